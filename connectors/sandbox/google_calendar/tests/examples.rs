//! Every file in the vendor's `examples/` folder is exercised by one of this crate's tests; a new
//! example file without a test fails here.

mod common;

/// Example-name prefix → the test that replays it.
const COVERED: &[(&str, &str)] = &[
    ("error-400-timeRangeEmpty", "events::list_errors_reproduce_the_examples"),
    ("error-401-authError", "oauth::api_refuses_missing_invalid_and_expired_tokens_like_the_example"),
    ("error-403-userRateLimitExceeded", "events::list_errors_reproduce_the_examples"),
    ("events-insert", "events::insert_examples_are_accepted_and_expanded"),
    ("events-watch", "push::watch_example_then_sync_and_exists_messages"),
    ("oauth2-token", "oauth::token_example_request_and_responses_are_reproduced"),
    ("push-notification", "push::watch_example_then_sync_and_exists_messages"),
    ("sync-guide", "sync::sync_guide_requests_are_replayed"),
];

#[test]
fn every_example_is_replayed_by_a_test() {
    for (name, _) in common::examples() {
        assert!(
            COVERED.iter().any(|(prefix, _)| name.starts_with(prefix)),
            "example {name} is not replayed by any test"
        );
    }
}
