//! Approval rule content (`{"Version": "2018-11-08", "Statements": [...]}`).
#![no_main]

use codecommit_local::codecommit::approvals;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = approvals::parse_content(text, "InvalidApprovalRuleContentException");
});
