//! The metrics endpoint, read over plain HTTP/1.1 the way Prometheus does.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use super::raw::connect;

/// The series of one scrape and their values.
pub type Scrape = BTreeMap<String, f64>;

/// `GET path` on a connection of its own: the whole response, or None when
/// the server closed the connection without one (a port at its limit).
pub fn try_get(url: &str, path: &str) -> Option<String> {
    let mut stream = connect(url);
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    (!response.is_empty()).then_some(response)
}

/// `GET path`: the status code, the headers and the body.
pub fn http_get(metrics_url: &str, path: &str) -> (u16, String, String) {
    let response = try_get(metrics_url, path).expect("an answer");
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_string(), body.to_string())
}

/// One scrape, parsed into its series.
pub fn scrape(metrics_url: &str) -> Scrape {
    let (status, head, body) = http_get(metrics_url, "/metrics");
    assert_eq!(status, 200, "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/openmetrics-text; version=1.0.0"),
        "{head}"
    );
    assert!(body.ends_with("# EOF\n"), "{body}");
    body.lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let value = value
                .parse()
                .unwrap_or_else(|_| panic!("not a sample: {line}"));
            (series.to_string(), value)
        })
        .collect()
}

/// One scrape as text; None when the connection was closed (the port at
/// its connection limit).
pub fn try_scrape(metrics_url: &str) -> Option<String> {
    let response = try_get(metrics_url, "/metrics")?;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    Some(response)
}

/// The value of `series` in a scrape's text, 0 when absent.
pub fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.parse().unwrap())
}

/// Scrapes until `done` holds for the text (the server counts a moment
/// after the client sees the end); the last scrape either way.
pub fn scrape_until(metrics_url: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = try_scrape(metrics_url);
        match text {
            Some(text) if done(&text) || Instant::now() > deadline => return text,
            None if Instant::now() > deadline => panic!("no scrape answered"),
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
