//! The bundled demo layout is compiled into the binary (`include_dir!`), which cargo does not
//! track on stable Rust: rebuild when `scripts/make-demo.sh` writes a new one.
fn main() {
    println!("cargo:rerun-if-changed=../../assets/demo");
    println!("cargo:rerun-if-changed=build.rs");
}
