//! Compile-time checks of `#[derive(Form)]` and `#[derive(Validate)]`: each mistake is reported on the offending field
//! or option, in words that say what to do instead. Shares trybuild's build folder with
//! alder-db's UI test, so the dependencies are compiled once.

#[test]
fn derive_form() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/form/pass/*.rs");
    t.compile_fail("tests/ui/form/fail/*.rs");
    t.compile_fail("tests/ui/validate/fail/*.rs");
}
