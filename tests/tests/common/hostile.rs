//! Hostile servers of our own: raw sockets on loopback that answer every request with one
//! kind of abuse. Each is bounded on its side too (a hang lasts an hour at most, an endless
//! body stops when the client goes), so a test that fails cannot hang the suite forever.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// One kind of abuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostile {
    /// A 400 whose JSON `error` and plain text hold terminal escape sequences, CR/LF and NUL.
    Escapes,
    /// Reads the request and never answers.
    Hang,
    /// Sends a 200 head and then one body byte every 100 ms.
    Trickle,
    /// A 200 with a chunked body that never ends.
    EndlessBody,
    /// A 200 announcing a 2 GB body, then streaming it.
    HugeBody,
    /// A 200 labelled `Content-Encoding: gzip` whose body inflates to 64 MiB.
    GzipBomb,
    /// A 200 of 100,000 nested JSON arrays and objects.
    DeepJson,
    /// A 200 with a 2 MiB header.
    HugeHeaders,
    /// A 302 (and a 307) to the same URL.
    RedirectLoop,
    /// A 429 with a `Retry-After` too large for a u64.
    RetryAfterOverflow,
    /// A 429 with a `Retry-After` HTTP-date an hour ahead.
    RetryAfterDate,
}

impl Hostile {
    /// Every kind, for tests that walk them all.
    pub const ALL: [Self; 11] = [
        Self::Escapes,
        Self::Hang,
        Self::Trickle,
        Self::EndlessBody,
        Self::HugeBody,
        Self::GzipBomb,
        Self::DeepJson,
        Self::HugeHeaders,
        Self::RedirectLoop,
        Self::RetryAfterOverflow,
        Self::RetryAfterDate,
    ];
}

/// The escape-laden text of [`Hostile::Escapes`].
pub const ESCAPES: &str =
    "\u{1b}[31mred\u{1b}]0;owned\u{7}\u{1b}[2J\r\nerror: forged line\0\u{202e}";

/// A running hostile server.
pub struct HostileServer {
    pub base_url: String,
    hits: Arc<AtomicUsize>,
}

impl HostileServer {
    pub async fn start(hostile: Hostile) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, hostile, counter.clone()));
            }
        });
        Self { base_url, hits }
    }

    /// How many requests arrived.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn serve(mut socket: TcpStream, hostile: Hostile, hits: Arc<AtomicUsize>) {
    let Some(path) = read_request(&mut socket).await else {
        return;
    };
    hits.fetch_add(1, Ordering::SeqCst);
    let _ = answer(&mut socket, hostile, &path).await;
}

async fn answer(socket: &mut TcpStream, hostile: Hostile, path: &str) -> std::io::Result<()> {
    match hostile {
        Hostile::Escapes => {
            let body = serde_json::json!({ "error": ESCAPES, "message": ESCAPES }).to_string();
            write_answer(socket, "400 Bad Request", "", &body).await
        }
        Hostile::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(())
        }
        Hostile::Trickle => {
            socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n{")
                .await?;
            for _ in 0..100_000 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                socket.write_all(b" ").await?;
            }
            Ok(())
        }
        Hostile::EndlessBody => {
            socket
                .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                .await?;
            let chunk = format!("10000\r\n{}\r\n", "x".repeat(0x10000));
            loop {
                socket.write_all(chunk.as_bytes()).await?;
            }
        }
        Hostile::HugeBody => {
            socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2000000000\r\n\r\n")
                .await?;
            let block = vec![b'x'; 1 << 16];
            for _ in 0..(2_000_000_000 / block.len()) {
                socket.write_all(&block).await?;
            }
            Ok(())
        }
        Hostile::GzipBomb => {
            let bomb = gzip_bomb();
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\n\r\n",
                bomb.len()
            );
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(&bomb).await
        }
        Hostile::DeepJson => {
            let depth = 100_000;
            let mut body = String::with_capacity(depth * 8);
            for i in 0..depth {
                body.push_str(if i % 2 == 0 { "{\"error\":" } else { "[" });
            }
            write_answer(socket, "200 OK", "", &body).await
        }
        Hostile::HugeHeaders => {
            let huge = "h".repeat(2 * 1024 * 1024);
            let extra = format!("x-huge: {huge}\r\n");
            write_answer(socket, "200 OK", &extra, "{}").await
        }
        Hostile::RedirectLoop => {
            let status = if path.len().is_multiple_of(2) {
                "302 Found"
            } else {
                "307 Temporary Redirect"
            };
            let extra = format!("location: {path}\r\n");
            write_answer(socket, status, &extra, "").await
        }
        Hostile::RetryAfterOverflow => {
            let extra = "retry-after: 184467440737095516160000\r\n";
            write_answer(socket, "429 Too Many Requests", extra, "").await
        }
        Hostile::RetryAfterDate => {
            let later = std::time::SystemTime::now() + Duration::from_secs(3600);
            let extra = format!("retry-after: {}\r\n", httpdate_fmt(later));
            write_answer(socket, "429 Too Many Requests", &extra, "").await
        }
    }
}

async fn write_answer(
    socket: &mut TcpStream,
    status: &str,
    extra_headers: &str,
    body: &str,
) -> std::io::Result<()> {
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{extra_headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(answer.as_bytes()).await
}

/// Reads one request (head and `content-length` body); returns its path.
async fn read_request(socket: &mut TcpStream) -> Option<String> {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&buffer);
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let length = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0);
        if body.len() >= length {
            let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
            return Some(path);
        }
    }
}

/// How much the gzip bomb inflates to: 16 times the transport's 4 MiB cap.
pub const BOMB_INFLATED: usize = 64 * 1024 * 1024;

/// A valid gzip member holding [`BOMB_INFLATED`] zero bytes in about 400 KiB: one fixed-Huffman
/// DEFLATE block of a literal zero and back-references of 258 bytes at distance 1 (RFC 1951
/// §3.2.6), with the CRC-32 and size trailer (RFC 1952). The client must never inflate it.
pub fn gzip_bomb() -> Vec<u8> {
    static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BOMB.get_or_init(|| {
        let mut bits = Bits::default();
        bits.raw(1, 1); // BFINAL
        bits.raw(1, 2); // BTYPE 01: fixed Huffman codes
        bits.code(0b0011_0000, 8); // literal 0
        let matches = (BOMB_INFLATED - 1) / 258;
        for _ in 0..matches {
            bits.code(0b1100_0101, 8); // length code 285: 258 bytes
            bits.code(0, 5); // distance code 0: distance 1
        }
        for _ in 0..(BOMB_INFLATED - 1 - matches * 258) {
            bits.code(0b0011_0000, 8);
        }
        bits.code(0, 7); // end of block
        let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        out.extend_from_slice(&bits.finish());
        out.extend_from_slice(&crc32_of_zeros(BOMB_INFLATED).to_le_bytes());
        out.extend_from_slice(&u32::try_from(BOMB_INFLATED).unwrap().to_le_bytes());
        out
    })
    .clone()
}

/// DEFLATE's bit order: raw values least significant bit first, Huffman codes most
/// significant bit first.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    held: u32,
}

impl Bits {
    fn raw(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.held;
        self.held += count;
        while self.held >= 8 {
            self.out.push((self.acc & 0xff) as u8);
            self.acc >>= 8;
            self.held -= 8;
        }
    }

    fn code(&mut self, code: u32, len: u32) {
        let reversed = (0..len).fold(0, |rev, i| rev | (((code >> i) & 1) << (len - 1 - i)));
        self.raw(reversed, len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.held > 0 {
            self.out.push((self.acc & 0xff) as u8);
        }
        self.out
    }
}

fn crc32_of_zeros(len: usize) -> u32 {
    let table: Vec<u32> = (0..256_u32)
        .map(|n| {
            (0..8).fold(n, |c, _| {
                if c & 1 == 1 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                }
            })
        })
        .collect();
    let crc = (0..len).fold(0xffff_ffff_u32, |crc, _| {
        table[(crc & 0xff) as usize] ^ (crc >> 8)
    });
    !crc
}

/// An HTTP-date (IMF-fixdate) for `at`.
fn httpdate_fmt(at: std::time::SystemTime) -> String {
    let secs = at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let datetime =
        chrono::DateTime::<chrono::Utc>::from_timestamp(secs.try_into().unwrap(), 0).unwrap();
    datetime.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}
