//! Record framing of the SignalR JSON protocol: every record is one JSON text followed by the
//! record separator `0x1E`. A WebSocket frame may carry several records, and a record may
//! span frames, so the decoder buffers until a separator comes.

use omniauth_types::{Error, Result};

use crate::SERVICE;

/// The record separator that ends every record (ASCII RS).
pub const RECORD_SEPARATOR: char = '\u{1e}';

/// The largest record the decoder buffers (1 MiB); a longer one is an error and dropped.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;

/// Appends the separator to one JSON record.
pub fn encode_record(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 1);
    out.push_str(json);
    out.push(RECORD_SEPARATOR);
    out
}

/// Splits text frames into records, keeping an unfinished record for the next frame.
///
/// ```
/// use resonite_api::hub::FrameDecoder;
///
/// let mut decoder = FrameDecoder::new();
/// assert!(decoder.push("{\"type\":6}\u{1e}{\"ty").unwrap().len() == 1);
/// let records = decoder.push("pe\":6}\u{1e}").unwrap();
/// assert_eq!(records, vec!["{\"type\":6}".to_owned()]);
/// ```
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buffer: String,
    max_record: Option<usize>,
}

impl FrameDecoder {
    /// A decoder with the default record limit ([`MAX_RECORD_BYTES`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder with another record limit.
    pub fn with_max_record(max_record: usize) -> Self {
        Self {
            buffer: String::new(),
            max_record: Some(max_record),
        }
    }

    fn limit(&self) -> usize {
        self.max_record.unwrap_or(MAX_RECORD_BYTES)
    }

    /// Feeds one text frame; returns the records it completes (without separators, empty
    /// records skipped).
    ///
    /// # Errors
    /// [`ErrorKind::Decode`](omniauth_types::ErrorKind::Decode) when the unfinished record
    /// grows past the limit; the buffer is then cleared, so the next record starts fresh.
    pub fn push(&mut self, frame: &str) -> Result<Vec<String>> {
        let mut records = Vec::new();
        let mut rest = frame;
        while let Some(end) = rest.find(RECORD_SEPARATOR) {
            let (head, tail) = rest.split_at(end);
            if self.buffer.is_empty() {
                push_nonempty(&mut records, head.to_owned());
            } else {
                self.buffer.push_str(head);
                push_nonempty(&mut records, std::mem::take(&mut self.buffer));
            }
            rest = &tail[RECORD_SEPARATOR.len_utf8()..];
        }
        if self.buffer.len() + rest.len() > self.limit() {
            let len = self.buffer.len() + rest.len();
            self.buffer.clear();
            return Err(Error::decode_withheld(None, len)
                .with_service(SERVICE)
                .with_message(format!(
                    "a hub record is longer than {} bytes without a separator",
                    self.limit()
                )));
        }
        self.buffer.push_str(rest);
        Ok(records)
    }

    /// Feeds one binary frame (the JSON protocol is text; binary is read as UTF-8).
    ///
    /// # Errors
    /// [`ErrorKind::Decode`](omniauth_types::ErrorKind::Decode) when the bytes are not
    /// UTF-8 or a record grows past the limit.
    pub fn push_bytes(&mut self, frame: &[u8]) -> Result<Vec<String>> {
        let text = std::str::from_utf8(frame).map_err(|err| {
            Error::decode(None, frame)
                .with_service(SERVICE)
                .with_message("a binary hub frame is not UTF-8")
                .with_source(err)
        })?;
        self.push(text)
    }

    /// How many bytes of an unfinished record are buffered.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Forgets an unfinished record (after a reconnect).
    pub fn clear(&mut self) {
        self.buffer.clear();
    }
}

fn push_nonempty(records: &mut Vec<String>, record: String) {
    if !record.trim().is_empty() {
        records.push(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_records_in_one_frame_and_one_across_frames() {
        let mut decoder = FrameDecoder::new();
        let records = decoder.push("{}\u{1e}{\"type\":6}\u{1e}{\"a\":").unwrap();
        assert_eq!(records, vec!["{}", "{\"type\":6}"]);
        assert_eq!(decoder.buffered(), 5);
        assert!(decoder.push("1").unwrap().is_empty());
        assert_eq!(decoder.push("}\u{1e}").unwrap(), vec!["{\"a\":1}"]);
        assert_eq!(decoder.buffered(), 0);
        assert!(decoder.push("\u{1e}\u{1e}").unwrap().is_empty());
    }

    #[test]
    fn an_endless_record_is_an_error_and_the_decoder_recovers() {
        let mut decoder = FrameDecoder::with_max_record(8);
        assert!(decoder.push("0123").unwrap().is_empty());
        let err = decoder.push("456789").unwrap_err();
        assert!(matches!(
            err.kind(),
            omniauth_types::ErrorKind::Decode { .. }
        ));
        assert_eq!(decoder.push("{}\u{1e}").unwrap(), vec!["{}"]);
        assert!(decoder.push_bytes(&[0xff, 0x1e]).is_err());
        assert_eq!(encode_record("{}"), "{}\u{1e}");
    }
}
