// Built by the workstation_rust role to prove the toolchain compiles and links.
fn main() {
    let sum: u64 = (1..=10).sum();
    println!("esper-rust-smoke ok {sum}");
}
