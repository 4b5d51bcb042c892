//! Live reload: the script injected into served pages, the Server-Sent Events stream it listens
//! to, and the error overlay. Everything here lives under `/__kneeguide/` and exists only while
//! serving; the script and styles are external files so that `default-src 'self'` still holds.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use crate::html::escape_attribute;

use super::response::{PREFIX, Response, content_type};
use super::state::{Message, Published, State, Wait};

pub const RELOAD_JS: &str = include_str!("assets/reload.js");
pub const OVERLAY_CSS: &str = include_str!("assets/overlay.css");

/// How often an idle event stream gets a comment, so dead connections are noticed.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Event streams open at once (one per open page); past this the oldest is closed.
pub const MAX_EVENT_STREAMS: usize = 32;

/// The exact text added before `</body>` of every HTML page served (after the overlay, when the
/// site has errors). Tests strip it to compare served pages with `kneeguide build`'s.
pub fn script_tag(path: &str) -> String {
    format!(
        r#"<script src="/{PREFIX}reload.js" data-kneeguide-path="{}"></script>"#,
        escape_attribute(path)
    )
}

/// Adds the reload script, and the error overlay when the last rebuild failed, before the last
/// `</body>` (or at the end when there is none).
pub fn inject(html: &[u8], path: &str, published: &Published) -> Vec<u8> {
    let mut snippet = String::new();
    if let Some(errors) = &published.errors {
        snippet.push_str(&stylesheet_tag());
        snippet.push_str(&overlay(errors));
    }
    snippet.push_str(&script_tag(path));
    let at = rfind_ascii_case_insensitive(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + snippet.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(snippet.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn stylesheet_tag() -> String {
    format!(r#"<link rel="stylesheet" href="/{PREFIX}overlay.css" data-kneeguide-overlay>"#)
}

fn rfind_ascii_case_insensitive(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    (0..=haystack.len().checked_sub(needle.len())?)
        .rev()
        .find(|&i| haystack[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// The overlay element: the same located errors the terminal shows, over the last good page.
pub fn overlay(errors: &str) -> String {
    format!(
        "<div id=\"kneeguide-overlay\" class=\"kneeguide-overlay\" role=\"alert\">\
         <div class=\"kneeguide-overlay-box\">\
         <p class=\"kneeguide-overlay-title\">The site has errors. You are looking at the last good build.</p>\
         <pre class=\"kneeguide-overlay-text\">{}</pre>\
         <p class=\"kneeguide-overlay-help\">Fix the files and save: this message goes away by itself. \
         The terminal running <code>kneeguide serve</code> shows the same errors.</p>\
         <button type=\"button\" class=\"kneeguide-overlay-close\" data-kneeguide-close>Hide</button>\
         </div></div>",
        escape_attribute(errors.trim_end())
    )
}

/// The page for every address while there has not been a good build yet.
pub fn error_page(published: &Published) -> String {
    let errors = published.errors.as_deref().map_or("", String::as_str);
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>The site has errors – kneeguide serve</title>\n{}\n</head>\n\
         <body class=\"kneeguide-error-page\">\n{}\n{}\n</body>\n</html>\n",
        stylesheet_tag(),
        overlay(errors).replace(
            "You are looking at the last good build.",
            "It has not been built yet."
        ),
        script_tag("")
    )
}

/// `/__kneeguide/<name>`.
pub fn internal(name: &str, published: &Published) -> Response {
    match name {
        "reload.js" => Response::new(200, content_type(name), RELOAD_JS.as_bytes().to_vec()),
        "overlay.css" => Response::new(200, content_type(name), OVERLAY_CSS.as_bytes().to_vec()),
        // The overlay element for the current errors; empty when there are none.
        "overlay" => Response::new(
            200,
            content_type("x.html"),
            published
                .errors
                .as_deref()
                .map(|e| overlay(e).into_bytes())
                .unwrap_or_default(),
        ),
        _ => Response::text(404, "Not found.\n"),
    }
}

fn event(name: &str, version: &str, message: Option<&Message>) -> String {
    let data = match message {
        Some(Message::Reload(paths)) => {
            serde_json::json!({ "version": version, "paths": paths.as_slice() })
        }
        _ => serde_json::json!({ "version": version }),
    };
    format!("event: {name}\ndata: {data}\n\n")
}

/// Holds a `text/event-stream` response open, writing each event as it happens. Only this
/// connection's thread waits on its socket, so a client that stops reading holds up no one else:
/// its writes time out and the connection is dropped.
pub fn event_stream(stream: &mut TcpStream, state: &State, head_only: bool) {
    let ticket = state.open_stream(MAX_EVENT_STREAMS);
    stream_events(stream, state, head_only, ticket);
    state.close_stream(ticket);
}

fn stream_events(stream: &mut TcpStream, state: &State, head_only: bool, ticket: u64) {
    let head = "HTTP/1.1 200 OK\r\n\
                Content-Type: text/event-stream\r\n\
                Cache-Control: no-store\r\n\
                X-Content-Type-Options: nosniff\r\n\
                Connection: keep-alive\r\n\r\n";
    if stream.write_all(head.as_bytes()).is_err() || head_only {
        return;
    }
    let (mut seen, version) = state.generation();
    let hello = format!("retry: 1000\n\n{}", event("hello", &version, None));
    if stream.write_all(hello.as_bytes()).is_err() {
        return;
    }
    loop {
        let text = match state.wait(seen, KEEP_ALIVE, Some(ticket)) {
            Wait::Stopped | Wait::Evicted => return,
            Wait::Timeout => ": keep-alive\n\n".to_owned(),
            Wait::Events(events, generation) => {
                seen = generation;
                events
                    .iter()
                    .map(|(version, message)| match message {
                        Message::Reload(_) => event("reload", version, Some(message)),
                        Message::Errors => event("errors", version, None),
                    })
                    .collect()
            }
        };
        if stream.write_all(text.as_bytes()).is_err() || stream.flush().is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn published(errors: Option<&str>) -> Published {
        Published {
            files: Arc::default(),
            errors: errors.map(|e| Arc::new(e.to_owned())),
            version: "v".into(),
        }
    }

    #[test]
    fn script_goes_before_the_last_body_end_tag() {
        let html = b"<html><body><p>&lt;/body&gt;</p></BODY></html>";
        let out = String::from_utf8(inject(html, "a/index.html", &published(None))).unwrap();
        assert_eq!(
            out,
            format!(
                "<html><body><p>&lt;/body&gt;</p>{}</BODY></html>",
                script_tag("a/index.html")
            )
        );
        let bare = inject(b"text", "x.html", &published(None));
        assert!(bare.ends_with(script_tag("x.html").as_bytes()));
    }

    #[test]
    fn overlay_escapes_the_errors() {
        let out = String::from_utf8(inject(
            b"<body></body>",
            "index.html",
            &published(Some("error[E001]: bad <b>\n  --> content/a.md:2:1\n")),
        ))
        .unwrap();
        assert!(out.contains("error[E001]: bad &lt;b&gt;\n  --&gt; content/a.md:2:1</pre>"));
        assert!(out.contains("overlay.css"));
        assert!(!out.contains("style="), "no inline styles: {out}");
    }
}
