//! Record framing of the SignalR JSON protocol: every record is one JSON text followed by the
//! record separator `0x1E`. A WebSocket frame may carry several records, and a record may
//! span frames, so the decoder buffers until a separator comes.

use std::borrow::Cow;

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
/// [`records`](Self::records) lends each record straight from the frame (only a record that
/// spans frames is assembled, in the decoder); [`push`](Self::push) returns owned copies.
///
/// ```
/// use resonite_api::hub::FrameDecoder;
///
/// let mut decoder = FrameDecoder::new();
/// let first: Vec<_> = decoder
///     .records("{\"type\":6}\u{1e}{\"ty")
///     .collect::<Result<_, _>>()
///     .unwrap();
/// assert_eq!(first, ["{\"type\":6}"]);
/// let records = decoder.push("pe\":6}\u{1e}").unwrap();
/// assert_eq!(records, vec!["{\"type\":6}".to_owned()]);
/// ```
#[derive(Debug, Default)]
pub struct FrameDecoder {
    /// Text kept for the next frame: the start of an unfinished record or, after the
    /// records of a frame were not all read (`backlog`), the unread rest of that frame.
    buffer: String,
    backlog: bool,
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
            max_record: Some(max_record),
            ..Self::default()
        }
    }

    fn limit(&self) -> usize {
        self.max_record.unwrap_or(MAX_RECORD_BYTES)
    }

    /// Feeds one text frame; yields the records it completes (without separators, empty
    /// records skipped), each borrowed from `frame` unless it began in an earlier frame.
    ///
    /// Records not read when the iterator is dropped are kept and come first from the next
    /// frame.
    ///
    /// # Errors
    /// The last item is an [`ErrorKind::Decode`](omniauth_types::ErrorKind::Decode) when the
    /// unfinished record grows past the limit; the buffer is then cleared, so the next
    /// record starts fresh. The records before it are whole.
    pub fn records<'f>(&mut self, frame: &'f str) -> FrameRecords<'_, 'f> {
        FrameRecords {
            decoder: self,
            rest: frame,
            finished: false,
        }
    }

    /// Feeds one binary frame (the JSON protocol is text; binary is read as UTF-8), like
    /// [`records`](Self::records).
    ///
    /// # Errors
    /// [`ErrorKind::Decode`](omniauth_types::ErrorKind::Decode) when the bytes are not
    /// UTF-8 (nothing is buffered then); the iterator's errors are those of
    /// [`records`](Self::records).
    pub fn records_from_bytes<'f>(&mut self, frame: &'f [u8]) -> Result<FrameRecords<'_, 'f>> {
        Ok(self.records(utf8(frame)?))
    }

    /// Feeds one text frame; returns the records it completes (without separators, empty
    /// records skipped), each copied into a `String`.
    ///
    /// # Errors
    /// [`ErrorKind::Decode`](omniauth_types::ErrorKind::Decode) when the unfinished record
    /// grows past the limit; the buffer is then cleared, so the next record starts fresh,
    /// and the records the frame completed before it are dropped with it.
    pub fn push(&mut self, frame: &str) -> Result<Vec<String>> {
        self.records(frame)
            .map(|record| record.map(Cow::into_owned))
            .collect()
    }

    /// Feeds one binary frame (the JSON protocol is text; binary is read as UTF-8).
    ///
    /// # Errors
    /// [`ErrorKind::Decode`](omniauth_types::ErrorKind::Decode) when the bytes are not
    /// UTF-8 or a record grows past the limit.
    pub fn push_bytes(&mut self, frame: &[u8]) -> Result<Vec<String>> {
        self.push(utf8(frame)?)
    }

    /// How many bytes are kept for the next frame (an unfinished record).
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Forgets an unfinished record (after a reconnect).
    pub fn clear(&mut self) {
        self.buffer.clear();
        self.backlog = false;
    }
}

fn utf8(frame: &[u8]) -> Result<&str> {
    std::str::from_utf8(frame).map_err(|err| {
        Error::decode(None, frame)
            .with_service(SERVICE)
            .with_message("a binary hub frame is not UTF-8")
            .with_source(err)
    })
}

fn is_blank(record: &str) -> bool {
    record.trim().is_empty()
}

/// The records of one frame ([`FrameDecoder::records`]), read one at a time so that each
/// can borrow from the frame.
#[derive(Debug)]
#[must_use = "a frame's records are read by iterating"]
pub struct FrameRecords<'d, 'f> {
    decoder: &'d mut FrameDecoder,
    rest: &'f str,
    finished: bool,
}

impl<'f> Iterator for FrameRecords<'_, 'f> {
    type Item = Result<Cow<'f, str>>;

    fn next(&mut self) -> Option<Self::Item> {
        const SEPARATOR_LEN: usize = RECORD_SEPARATOR.len_utf8();
        let decoder = &mut *self.decoder;
        while decoder.backlog {
            let Some(end) = decoder.buffer.find(RECORD_SEPARATOR) else {
                decoder.backlog = false;
                break;
            };
            let after = decoder.buffer.split_off(end + SEPARATOR_LEN);
            let mut record = std::mem::replace(&mut decoder.buffer, after);
            record.truncate(end);
            if !is_blank(&record) {
                return Some(Ok(Cow::Owned(record)));
            }
        }
        if self.finished {
            return None;
        }
        while let Some(end) = self.rest.find(RECORD_SEPARATOR) {
            let (head, tail) = self.rest.split_at(end);
            self.rest = &tail[SEPARATOR_LEN..];
            let record = if decoder.buffer.is_empty() {
                Cow::Borrowed(head)
            } else {
                decoder.buffer.push_str(head);
                Cow::Owned(std::mem::take(&mut decoder.buffer))
            };
            if !is_blank(&record) {
                return Some(Ok(record));
            }
        }
        self.finished = true;
        let len = decoder.buffer.len() + self.rest.len();
        let limit = decoder.limit();
        if len > limit {
            decoder.buffer.clear();
            return Some(Err(Error::decode_withheld(None, len)
                .with_service(SERVICE)
                .with_message(format!(
                    "a hub record is longer than {limit} bytes without a separator"
                ))));
        }
        decoder.buffer.push_str(self.rest);
        None
    }
}

impl Drop for FrameRecords<'_, '_> {
    fn drop(&mut self) {
        if !self.finished && !self.rest.is_empty() {
            // Whatever the caller did not read waits for the next frame instead of being lost.
            self.decoder.buffer.push_str(self.rest);
            self.decoder.backlog = true;
        }
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
    fn records_are_borrowed_unless_they_span_frames() {
        let mut decoder = FrameDecoder::new();
        let records: Vec<_> = decoder.records("{\"a\":").collect();
        assert!(records.is_empty());
        let records: Vec<_> = decoder
            .records("1}\u{1e} \u{1e}{}\u{1e}[")
            .map(Result::unwrap)
            .collect();
        assert!(matches!(&records[0], Cow::Owned(r) if r == "{\"a\":1}"));
        assert!(matches!(&records[1], Cow::Borrowed("{}")));
        assert_eq!(records.len(), 2);
        assert_eq!(decoder.buffered(), 1);
    }

    #[test]
    fn records_left_unread_come_with_the_next_frame() {
        let mut decoder = FrameDecoder::new();
        let mut records = decoder.records("{\"a\":1}\u{1e}{\"b\":2}\u{1e}\u{1e}{\"c\":");
        assert_eq!(records.next().unwrap().unwrap(), "{\"a\":1}");
        drop(records);
        let rest: Vec<_> = decoder
            .records("3}\u{1e}{}\u{1e}")
            .map(Result::unwrap)
            .collect();
        assert_eq!(rest, ["{\"b\":2}", "{\"c\":3}", "{}"]);
        assert_eq!(decoder.buffered(), 0);
        drop(decoder.records("{\"d\":4}\u{1e}{"));
        decoder.clear();
        assert!(decoder.push("{}\u{1e}").unwrap() == ["{}"]);
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
        assert!(decoder.records_from_bytes(&[0xff, 0x1e]).is_err());
        assert_eq!(encode_record("{}"), "{}\u{1e}");
        // The records before an endless one are still read.
        let items: Vec<_> = decoder.records("{}\u{1e}0123456789").collect();
        assert!(matches!(items.as_slice(), [Ok(r), Err(_)] if r == "{}"));
        assert_eq!(decoder.buffered(), 0);
    }
}
