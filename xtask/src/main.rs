//! Project automation. SKELETON.
fn main() {}
