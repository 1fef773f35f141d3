//! Compile-time checks of `#[derive(Model)]`: each mistake is reported on the offending field
//! or attribute.

#[test]
fn derive_model() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/model/pass/*.rs");
    t.compile_fail("tests/ui/model/fail/*.rs");
}
