//! A `PUT` of a byte range of a file over plain HTTP/1.1, sent by the kernel straight from the
//! page cache: on Linux the body is `sendfile(2)` (rustix's safe wrapper), so the client neither
//! reads the file into user memory nor copies it into the socket itself.
//!
//! Part uploads are gigabytes, and the client usually shares the machine with the server in the
//! benchmark and with other work on a bidder's desk: through reqwest every 64 KiB of a part was a
//! blocking-pool read, a buffer, and a copy into the socket, one after the other. Here the whole
//! body is one `sendfile` loop on one blocking thread.
//!
//! Only what a part upload needs is spoken: one request per connection (`Connection: close`), a
//! `Content-Length` body, and a response read by its `Content-Length`, as chunks, or to the end
//! of the connection. Anything else (https, a proxy from the environment, a base URL with user
//! info or a query) is not handled here: [`PlainHttp::for_base`] answers `None` and the caller
//! goes through reqwest as before.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use super::ClientError;

/// No progress for this long (connecting, one write, one read) fails the request; the part
/// sender then asks the server how far it got and resumes, as after any transport error.
pub(crate) const STALL_TIMEOUT: Duration = Duration::from_secs(120);
/// After a failed send, how long to wait for an answer the server may already have sent
/// (a refusal before the body was read, e.g. a wrong `Upload-Offset` or the deadline).
const EARLY_ANSWER_WAIT: Duration = Duration::from_secs(10);
/// Response heads and bodies of the part route are small JSON documents.
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 16 << 20;

/// Where a plain-http base URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlainHttp {
    /// `host` or `host:port`, as the `Host` header and for name resolution.
    authority: String,
    /// The base URL's path without a trailing `/` (empty for a server at the root).
    prefix: String,
}

impl PlainHttp {
    /// The target for `base`, when requests to it may bypass reqwest: plain `http://`, no user
    /// info, query or fragment, and no proxy configured in the environment (reqwest would send
    /// through it).
    pub(crate) fn for_base(base: &str) -> Option<PlainHttp> {
        let url = reqwest::Url::parse(base).ok()?;
        if url.scheme() != "http"
            || !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
            || proxy_configured()
        {
            return None;
        }
        let host = url.host_str()?;
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => format!("{host}:80"),
        };
        Some(PlainHttp {
            authority,
            prefix: url.path().trim_end_matches('/').to_string(),
        })
    }

    /// Connects to the server (every address the name resolves to, in turn).
    pub(crate) async fn connect(&self) -> std::io::Result<TcpStream> {
        let mut last = None;
        for addr in tokio::net::lookup_host(&self.authority).await? {
            match tokio::time::timeout(STALL_TIMEOUT, tokio::net::TcpStream::connect(addr)).await {
                Ok(Ok(s)) => {
                    let s = s.into_std()?;
                    s.set_nonblocking(false)?;
                    s.set_write_timeout(Some(STALL_TIMEOUT))?;
                    s.set_read_timeout(Some(STALL_TIMEOUT))?;
                    return Ok(s);
                }
                Ok(Err(e)) => last = Some(e),
                Err(_) => last = Some(std::io::ErrorKind::TimedOut.into()),
            }
        }
        Err(last.unwrap_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} resolves to no address", self.authority),
            )
        }))
    }

    /// The request head of a `PUT` of `len` bytes to `path` (which starts with `/`).
    pub(crate) fn put_head(&self, path: &str, headers: &[(&str, String)], len: u64) -> Vec<u8> {
        let mut head =
            format!(
            "PUT {}{path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {len}\r\nConnection: close\r\n",
            self.prefix,
            self.authority.strip_suffix(":80").unwrap_or(&self.authority)
        );
        for (name, value) in headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        head.into_bytes()
    }
}

/// reqwest reads these (and `NO_PROXY`) from the environment; with any of them set the request
/// is left to reqwest, which is always correct, only slower.
fn proxy_configured() -> bool {
    ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
        .iter()
        .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()))
}

/// Sends `head`, then `len` bytes of `file` from `from` on, and reads the answer. Blocking: run
/// it on a blocking thread. A connection that fails while sending is still read for an answer
/// the server sent before closing it (a refusal before the body was read); without one, the
/// error is [`ClientError::Connection`], after which the caller asks the server for its offset.
pub(crate) fn send_file(
    mut stream: TcpStream,
    head: &[u8],
    file: &Path,
    from: u64,
    len: u64,
) -> Result<(StatusCode, Value), ClientError> {
    let local = |e: std::io::Error| ClientError::Local(format!("{}: {e}", file.display()));
    let mut f = std::fs::File::open(file).map_err(local)?;
    let sent = (|| {
        stream.write_all(head)?;
        let n = copy_range(&mut f, from, len, &mut stream)?;
        if n < len {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("{} ended {} bytes early", file.display(), len - n),
            ));
        }
        Ok(())
    })();
    match sent {
        Ok(()) => read_response(&mut stream).map_err(ClientError::Connection),
        Err(e) => {
            let _ = stream.shutdown(Shutdown::Write);
            let _ = stream.set_read_timeout(Some(EARLY_ANSWER_WAIT));
            read_response(&mut stream).map_err(|_| ClientError::Connection(e))
        }
    }
}

/// Sends `len` bytes of `file` (positioned at `from`) into `stream`: `sendfile(2)` from the page
/// cache into the socket. (`std::io::copy` does not do this for a socket as of Rust 1.95: it
/// reads and sends 8 KiB at a time.) Returns the bytes sent; fewer than `len` if the file ends.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn copy_range(
    file: &mut std::fs::File,
    mut from: u64,
    len: u64,
    stream: &mut TcpStream,
) -> std::io::Result<u64> {
    let mut sent = 0u64;
    while sent < len {
        let want = (len - sent).min(1 << 30) as usize;
        match rustix::fs::sendfile(&*stream, &*file, Some(&mut from), want) {
            Ok(0) => break,
            Ok(n) => sent += n as u64,
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(sent)
}

/// Elsewhere the bytes go through user memory.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn copy_range(
    file: &mut std::fs::File,
    from: u64,
    len: u64,
    stream: &mut TcpStream,
) -> std::io::Result<u64> {
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::Start(from))?;
    std::io::copy(&mut file.take(len), stream)
}

/// One HTTP/1.1 response: status and JSON body (`Null` if empty, a string if not JSON), as
/// `super::read_response` gives it for reqwest's responses. Interim (1xx) responses are skipped.
fn read_response(stream: &mut TcpStream) -> std::io::Result<(StatusCode, Value)> {
    let mut buf = Vec::with_capacity(4096);
    loop {
        let (status, head_len, framing) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut res = httparse::Response::new(&mut headers);
            match res.parse(&buf).map_err(invalid)? {
                httparse::Status::Complete(n) => {
                    let code = res.code.ok_or_else(|| invalid("no status"))?;
                    let status = StatusCode::from_u16(code).map_err(invalid)?;
                    break (status, n, framing(res.headers)?);
                }
                httparse::Status::Partial => {
                    if buf.len() > MAX_HEAD {
                        return Err(invalid("response head too long"));
                    }
                    if fill(stream, &mut buf)? == 0 {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                }
            }
        };
        buf.drain(..head_len);
        if status.is_informational() {
            continue;
        }
        let body = match framing {
            Framing::Length(n) => {
                if n > MAX_BODY {
                    return Err(invalid("response body too long"));
                }
                while buf.len() < n {
                    if fill(stream, &mut buf)? == 0 {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                }
                buf.truncate(n);
                buf
            }
            Framing::Chunked => dechunk(stream, buf)?,
            Framing::Close => {
                while fill(stream, &mut buf)? > 0 {
                    if buf.len() > MAX_BODY {
                        return Err(invalid("response body too long"));
                    }
                }
                buf
            }
        };
        let value = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()))
        };
        return Ok((status, value));
    }
}

enum Framing {
    Length(usize),
    Chunked,
    Close,
}

fn framing(headers: &[httparse::Header<'_>]) -> std::io::Result<Framing> {
    let value = |name: &str| {
        headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    if value("transfer-encoding").is_some_and(|v| v.ends_with("chunked")) {
        return Ok(Framing::Chunked);
    }
    match value("content-length") {
        Some(v) => v.parse().map(Framing::Length).map_err(invalid),
        None => Ok(Framing::Close),
    }
}

/// The body of a chunked response whose first bytes are `buf`.
fn dechunk(stream: &mut TcpStream, mut buf: Vec<u8>) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line = loop {
            if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                break i;
            }
            if buf.len() > MAX_HEAD {
                return Err(invalid("chunk size line too long"));
            }
            if fill(stream, &mut buf)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        };
        let size_text = String::from_utf8_lossy(&buf[..line]).into_owned();
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(invalid)?;
        if body.len() + size > MAX_BODY {
            return Err(invalid("response body too long"));
        }
        buf.drain(..line + 2);
        if size == 0 {
            // Trailers are not used by the server; the connection closes after the response.
            return Ok(body);
        }
        while buf.len() < size + 2 {
            if fill(stream, &mut buf)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
    }
}

/// Reads what the socket has into `buf`; 0 at the end of the connection.
fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk)?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

fn invalid(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("malformed HTTP response: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_without_extras_bypasses_reqwest() {
        let t = PlainHttp::for_base("http://127.0.0.1:8080").unwrap();
        assert_eq!(t.authority, "127.0.0.1:8080");
        assert_eq!(t.prefix, "");
        let t = PlainHttp::for_base("http://tenders.example/etender/").unwrap();
        assert_eq!(
            (t.authority.as_str(), t.prefix.as_str()),
            ("tenders.example:80", "/etender")
        );
        let head = t.put_head("/api/v1/x", &[("Upload-Offset", "5".into())], 7);
        assert_eq!(
            String::from_utf8(head).unwrap(),
            "PUT /etender/api/v1/x HTTP/1.1\r\nHost: tenders.example\r\nContent-Length: 7\r\n\
             Connection: close\r\nUpload-Offset: 5\r\n\r\n"
        );
        let t = PlainHttp::for_base("http://[::1]:9/").unwrap();
        assert_eq!(t.authority, "[::1]:9");
        for base in [
            "https://127.0.0.1:8443",
            "http://user:pw@127.0.0.1",
            "http://127.0.0.1/?q=1",
            "not a url",
        ] {
            assert_eq!(PlainHttp::for_base(base), None, "{base}");
        }
    }

    /// A one-connection server that answers with `response` after reading `read` bytes.
    fn answer(response: &'static [u8], read: usize) -> (TcpStream, std::thread::JoinHandle<()>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut got = vec![0u8; read];
            s.read_exact(&mut got).unwrap();
            s.write_all(response).unwrap();
        });
        (TcpStream::connect(addr).unwrap(), server)
    }

    #[test]
    fn responses_are_read_by_length_by_chunks_and_to_the_end() {
        for (response, status, body) in [
            (
                &b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 14\r\n\r\n{\"received\":5}"[..],
                200,
                serde_json::json!({"received": 5}),
            ),
            (
                &b"HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"co\r\n8;x=y\r\nde\":\"c\"}\r\n0\r\n\r\n"[..],
                409,
                serde_json::json!({"code": "c"}),
            ),
            (&b"HTTP/1.1 503 Busy\r\n\r\nnot json"[..], 503, Value::String("not json".into())),
            (&b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"[..], 204, Value::Null),
        ] {
            let (mut s, server) = answer(response, 0);
            server.join().unwrap();
            let (got_status, got_body) = read_response(&mut s).unwrap();
            assert_eq!(got_status.as_u16(), status);
            assert_eq!(got_body, body);
        }
        let (mut s, server) = answer(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{}", 0);
        server.join().unwrap();
        assert!(read_response(&mut s).is_err(), "a cut body is an error");
    }

    #[test]
    fn the_file_range_is_sent_after_the_head() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("part");
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut got = Vec::new();
            let mut chunk = [0u8; 65536];
            while !got.ends_with(&data[1000..]) {
                let n = s.read(&mut chunk).unwrap();
                assert!(n > 0);
                got.extend_from_slice(&chunk[..n]);
            }
            s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                .unwrap();
            got
        });
        let stream = TcpStream::connect(addr).unwrap();
        let head = b"PUT /p HTTP/1.1\r\n\r\n";
        let (status, body) = send_file(stream, head, &path, 1000, 299_000).unwrap();
        assert_eq!((status.as_u16(), body), (200, serde_json::json!({})));
        let got = server.join().unwrap();
        assert_eq!(got.len(), head.len() + 299_000);
        assert_eq!(&got[..head.len()], head);
    }

    #[test]
    fn an_answer_sent_before_the_body_was_read_is_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("part");
        std::fs::write(&path, vec![1u8; 64 << 20]).unwrap();
        // The server refuses after the head and closes with the body unread (a reset).
        let (stream, server) = answer(
            b"HTTP/1.1 409 Conflict\r\ncontent-length: 11\r\nconnection: close\r\n\r\n{\"code\":1}\n",
            10,
        );
        let (status, body) =
            send_file(stream, b"PUT /p HTTP/1.1\r\n\r\n", &path, 0, 64 << 20).unwrap();
        server.join().unwrap();
        assert_eq!(
            (status.as_u16(), body),
            (409, serde_json::json!({"code": 1}))
        );
    }
}
