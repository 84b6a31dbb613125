//! Waits on the server's own counters: nothing here times the server, the
//! limits only turn a hang into a failure.

use std::future::Future;
use std::time::Duration;

/// Waits until `value` is `want` (work is admitted and let go
/// asynchronously); panics, naming `what`, if it never is.
pub async fn until(what: &str, want: usize, value: impl Fn() -> usize) {
    for _ in 0..12_000 {
        if value() == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("{what} never reached {want}: still {}", value());
}

/// Waits until `value` stops changing for half a second (at most a minute)
/// and returns where it settled.
pub async fn settled(value: impl Fn() -> usize) -> usize {
    let mut last = value();
    for _ in 0..120 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = value();
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("still changing after a minute: {last}");
}

/// Guards a step that must end against a hang, without timing it.
pub async fn ends<T>(what: &str, step: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), step)
        .await
        .unwrap_or_else(|_| panic!("{what} never ended"))
}
