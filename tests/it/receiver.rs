//! A webhook receiver on 127.0.0.1 port 0 for the notification tests: it records every request
//! (headers, body, arrival time) and answers from a script (a status, a hang, a closed
//! connection), then with a default status. One request per connection (`Connection: close`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the receiver does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Reply with this status.
    Status(u16),
    /// Read the request, then say nothing for this long.
    Hang(Duration),
}

/// One recorded request.
#[derive(Debug, Clone)]
pub struct Request {
    pub at: Instant,
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

#[derive(Default)]
struct State {
    script: Vec<Answer>,
    default: Option<Answer>,
    requests: Vec<Request>,
}

/// A running receiver; it stops accepting when dropped (the thread ends with the test process).
pub struct Receiver {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl Receiver {
    /// Starts one answering `script` in order, then `default`.
    pub fn start(script: Vec<Answer>, default: Answer) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State { script, default: Some(default), requests: Vec::new() }));
        let st = Arc::clone(&state);
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let st = Arc::clone(&st);
                std::thread::spawn(move || handle(conn, &st));
            }
        });
        Receiver { port, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    /// From now on, answer every request with `a`.
    pub fn set_default(&self, a: Answer) {
        let mut s = self.state.lock().unwrap();
        s.script.clear();
        s.default = Some(a);
    }

    /// Waits (polling, bounded by `limit`) until at least `n` requests arrived.
    pub fn wait_for(&self, n: usize, limit: Duration) -> Vec<Request> {
        let end = Instant::now() + limit;
        loop {
            let r = self.requests();
            if r.len() >= n || Instant::now() > end {
                return r;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

fn handle(mut conn: TcpStream, st: &Mutex<State>) {
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let Some(req) = read_request(&conn) else { return };
    let answer = {
        let mut s = st.lock().unwrap();
        s.requests.push(req);
        if s.script.is_empty() { s.default.unwrap_or(Answer::Status(200)) } else { s.script.remove(0) }
    };
    match answer {
        Answer::Status(code) => {
            let resp = format!("HTTP/1.1 {code} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
            let _ = conn.write_all(resp.as_bytes());
        }
        Answer::Hang(d) => std::thread::sleep(d),
    }
}

fn read_request(conn: &TcpStream) -> Option<Request> {
    let mut r = BufReader::new(conn);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let path = line.split(' ').nth(1)?.to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(Request { at: Instant::now(), path, headers, body })
}
