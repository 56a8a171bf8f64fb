#[no_mangle]
pub extern "C" fn esper_rust_ffi_sum(n: u64) -> u64 {
    (1..=n).sum()
}
