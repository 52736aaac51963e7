// The admin UI is embedded with include_dir, which does not tell cargo to watch the folder:
// rebuild when a file of static/ changes.
fn main() {
    println!("cargo:rerun-if-changed=static");
}
