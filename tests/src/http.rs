//! A minimal HTTP/1.1 client for the web console's tests that need no
//! browser: status, headers and body of one request, with a session cookie.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Response {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The cookie header that signs a browser in with `token`.
pub fn session(token: &str) -> String {
    format!("samprio_session={token}")
}

pub async fn get(base: &str, path: &str, cookie: Option<&str>) -> Response {
    request(base, "GET", path, cookie, None).await
}

/// POSTs `form` (already URL-encoded) as a browser form would.
pub async fn post(base: &str, path: &str, cookie: Option<&str>, form: &str) -> Response {
    request(base, "POST", path, cookie, Some(form)).await
}

async fn request(base: &str, method: &str, path: &str, cookie: Option<&str>, form: Option<&str>) -> Response {
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host).await.expect("connect to the web console");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAccept-Language: da\r\n");
    if let Some(c) = cookie {
        req.push_str(&format!("Cookie: {c}\r\n"));
    }
    if let Some(body) = form {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    } else {
        req.push_str("\r\n");
    }
    stream.write_all(req.as_bytes()).await.expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read response");
    parse(&raw)
}

fn parse(raw: &[u8]) -> Response {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]);
    let body = raw.get(split + 4..).unwrap_or(&[]);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("an HTTP status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_vec() };
    Response {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn dechunk(mut s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = s.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&s[..eol]);
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        let rest = &s[eol + 2..];
        if n == 0 || rest.len() < n {
            break;
        }
        out.extend_from_slice(&rest[..n]);
        s = rest[n..].strip_prefix(b"\r\n").unwrap_or(&rest[n..]);
    }
    out
}

/// Percent-encodes a form value.
pub fn enc(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The value of the first hidden `name` field in a page.
pub fn hidden(body: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker)? + marker.len();
    let end = body[start..].find('"')?;
    Some(body[start..start + end].to_owned())
}

/// A Server-Sent Events stream of the console, read as it arrives.
pub struct EventStream {
    stream: TcpStream,
    buf: String,
    pub status: u16,
}

/// One event of an [`EventStream`].
#[derive(Debug, Clone)]
pub struct StreamEvent {
    pub id: String,
    pub event: String,
    pub data: String,
}

impl EventStream {
    /// Opens `path` with the session `cookie`. HTTP/1.0, so the body is the
    /// bare stream (no chunk framing) until the server closes it.
    pub async fn open(base: &str, path: &str, cookie: &str) -> EventStream {
        Self::resume(base, path, cookie, None).await
    }

    /// Opens `path` as a reconnecting browser does, saying the last event
    /// id it saw.
    pub async fn resume(base: &str, path: &str, cookie: &str, last_event_id: Option<&str>) -> EventStream {
        let host = base.trim_start_matches("http://").trim_end_matches('/');
        let mut stream = TcpStream::connect(host).await.expect("connect to the web console");
        let mut req =
            format!("GET {path} HTTP/1.0\r\nHost: {host}\r\nAccept: text/event-stream\r\nCookie: {cookie}\r\n");
        if let Some(id) = last_event_id {
            req.push_str(&format!("Last-Event-ID: {id}\r\n"));
        }
        req.push_str("\r\n");
        stream.write_all(req.as_bytes()).await.expect("send request");
        let mut s = EventStream {
            stream,
            buf: String::new(),
            status: 0,
        };
        while !s.buf.contains("\r\n\r\n") {
            if !s.fill().await {
                break;
            }
        }
        let end = s.buf.find("\r\n\r\n").map(|i| i + 4).unwrap_or(s.buf.len());
        s.status = s
            .buf
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        s.buf.drain(..end);
        s
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.push_str(&String::from_utf8_lossy(&chunk[..n]));
                true
            }
        }
    }

    /// The next event (keep-alive comments skipped); `None` once the server
    /// has ended the stream.
    pub async fn next(&mut self) -> Option<StreamEvent> {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut e = StreamEvent {
                    id: String::new(),
                    event: String::new(),
                    data: String::new(),
                };
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        e.id = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        e.event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        e.data.push_str(v.trim_start());
                    }
                }
                if !e.event.is_empty() || !e.data.is_empty() {
                    return Some(e);
                }
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    /// Events until one whose data contains `needle` (at most 10 s).
    pub async fn until(&mut self, needle: &str) -> Vec<StreamEvent> {
        let mut seen = vec![];
        let found = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while let Some(e) = self.next().await {
                let hit = e.data.contains(needle);
                seen.push(e);
                if hit {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(found, Ok(true), "no event with {needle:?} arrived; saw {seen:?}");
        seen
    }
}
