//! The stdio transport: newline-delimited JSON-RPC where every bad line gets exactly one
//! JSON-RPC error answer (rmcp's own drops what is not JSON) and no line is buffered past
//! [`MAX_FRAME_BYTES`].
//!
//! rmcp polls `receive` inside a `select!`, so it must be cancel-safe: the partial line and
//! a pending error answer live in the transport, and all writes go through one writer task.

use std::io;

use rmcp::service::{RoleServer, RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::frames::{self, Checked, FrameError, MAX_FRAME_BYTES};

/// A line to write, and whom to tell when it is written.
type Outgoing = (Vec<u8>, Option<oneshot::Sender<io::Result<()>>>);

/// How many lines may wait for the writer.
const QUEUE: usize = 64;

/// The server's stdio transport on the process's standard streams.
pub fn transport() -> StrictStdio<tokio::io::Stdin> {
    StrictStdio::new(tokio::io::stdin(), tokio::io::stdout())
}

/// Newline-delimited JSON-RPC over a reader and a writer, answering bad frames itself.
pub struct StrictStdio<R> {
    reader: BufReader<R>,
    line: Vec<u8>,
    /// The current line passed the cap; its bytes are skipped up to the newline.
    overlong: Option<FrameError>,
    pending: Option<Vec<u8>>,
    max: usize,
    out: Option<mpsc::Sender<Outgoing>>,
    writer: Option<JoinHandle<()>>,
}

/// One line read: its bytes, or the answer for a line over the cap.
enum Line {
    Bytes(Vec<u8>),
    TooLong(FrameError),
}

impl<R: AsyncRead + Unpin> StrictStdio<R> {
    /// A transport reading `reader` and writing `writer`, lines capped at [`MAX_FRAME_BYTES`].
    /// Starts the writer task, so call it inside a Tokio runtime.
    pub fn new<W: AsyncWrite + Unpin + Send + 'static>(reader: R, writer: W) -> Self {
        Self::with_max_line(reader, writer, MAX_FRAME_BYTES)
    }

    /// Like [`StrictStdio::new`] with lines capped at `max` bytes.
    pub fn with_max_line<W: AsyncWrite + Unpin + Send + 'static>(
        reader: R,
        writer: W,
        max: usize,
    ) -> Self {
        let (out, queue) = mpsc::channel(QUEUE);
        StrictStdio {
            reader: BufReader::new(reader),
            line: Vec::new(),
            overlong: None,
            pending: None,
            max,
            out: Some(out),
            writer: Some(tokio::spawn(write_lines(writer, queue))),
        }
    }

    /// The next line, `None` at the end of input. Cancel-safe: progress stays in `self`.
    async fn next_line(&mut self) -> io::Result<Option<Line>> {
        loop {
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                if self.line.is_empty() && self.overlong.is_none() {
                    return Ok(None);
                }
                return Ok(Some(self.take_line()));
            }
            let newline = available.iter().position(|b| *b == b'\n');
            let part = &available[..newline.unwrap_or(available.len())];
            if self.overlong.is_none() {
                if self.line.len() + part.len() > self.max {
                    let take = self.max.saturating_sub(self.line.len()).min(part.len());
                    self.line.extend_from_slice(&part[..take]);
                    self.overlong = Some(FrameError::too_long(&self.line, self.max));
                    self.line = Vec::new();
                } else {
                    self.line.extend_from_slice(part);
                }
            }
            let used = newline.map_or(available.len(), |at| at + 1);
            self.reader.consume(used);
            if newline.is_some() {
                return Ok(Some(self.take_line()));
            }
        }
    }

    fn take_line(&mut self) -> Line {
        match self.overlong.take() {
            Some(answer) => Line::TooLong(answer),
            None => Line::Bytes(std::mem::take(&mut self.line)),
        }
    }
}

async fn write_lines<W: AsyncWrite + Unpin>(mut writer: W, mut queue: mpsc::Receiver<Outgoing>) {
    while let Some((mut bytes, done)) = queue.recv().await {
        bytes.push(b'\n');
        let result = async {
            writer.write_all(&bytes).await?;
            writer.flush().await
        }
        .await;
        let failed = result.is_err();
        if let Some(done) = done {
            let _ = done.send(result);
        }
        if failed {
            return;
        }
    }
    let _ = writer.shutdown().await;
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the stdio transport is closed")
}

impl<R: AsyncRead + Unpin + Send + 'static> Transport<RoleServer> for StrictStdio<R> {
    type Error = io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = io::Result<()>> + Send + 'static {
        let out = self.out.clone();
        async move {
            let bytes = serde_json::to_vec(&item)?;
            let (done, written) = oneshot::channel();
            out.ok_or_else(closed)?
                .send((bytes, Some(done)))
                .await
                .map_err(|_| closed())?;
            written.await.map_err(|_| closed())?
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            if self.pending.is_some() {
                let permit = self.out.as_ref()?.reserve().await.ok()?;
                if let Some(answer) = self.pending.take() {
                    permit.send((answer, None));
                }
            }
            let line = match self.next_line().await {
                Ok(Some(line)) => line,
                Ok(None) => return None,
                Err(e) => {
                    tracing::error!("reading stdin failed: {e}");
                    return None;
                }
            };
            let checked = match line {
                Line::TooLong(answer) => Checked::Rejected(answer),
                Line::Bytes(bytes) if bytes.trim_ascii().is_empty() => continue,
                Line::Bytes(bytes) => frames::check(&bytes),
            };
            match checked {
                Checked::Message(message) => return Some(*message),
                Checked::Ignored => tracing::debug!("dropped a malformed notification"),
                Checked::Rejected(answer) => {
                    tracing::debug!(code = answer.error.code.0, "answered a bad frame");
                    self.pending = Some(answer.to_json().to_string().into_bytes());
                }
            }
        }
    }

    async fn close(&mut self) -> io::Result<()> {
        drop(self.out.take());
        if let Some(writer) = self.writer.take() {
            writer.await.map_err(io::Error::other)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::ClientJsonRpcMessage;
    use tokio::io::AsyncBufReadExt;

    async fn run(input: &[u8], max: usize) -> (Vec<ClientJsonRpcMessage>, Vec<serde_json::Value>) {
        let (mut to_server, server_in) = tokio::io::duplex(64);
        let (server_out, from_server) = tokio::io::duplex(1 << 16);
        let mut t = StrictStdio::with_max_line(server_in, server_out, max);
        let input = input.to_vec();
        tokio::spawn(async move {
            let _ = to_server.write_all(&input).await;
        });
        let mut received = Vec::new();
        while let Some(m) = t.receive().await {
            received.push(m);
        }
        t.close().await.unwrap();
        let mut lines = BufReader::new(from_server).lines();
        let mut answers = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            answers.push(serde_json::from_str(&line).unwrap());
        }
        (received, answers)
    }

    #[tokio::test]
    async fn bad_lines_are_answered_and_good_ones_passed_on() {
        let input = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n\n   \n\
            {\"jsonrpc\":\"2.0\",\"id\":2,\"method\"\n\
            {\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}";
        let (received, answers) = run(input, 1024).await;
        assert_eq!(received.len(), 2, "{received:?}");
        assert_eq!(answers.len(), 1, "{answers:?}");
        assert_eq!(answers[0]["id"], 2);
        assert_eq!(answers[0]["error"]["code"], -32700);
    }

    #[tokio::test]
    async fn an_overlong_line_is_answered_without_being_kept() {
        let mut input = b"{\"jsonrpc\":\"2.0\",\"id\":7,\"x\":\"".to_vec();
        input.extend(std::iter::repeat_n(b'x', 10_000));
        input.extend_from_slice(b"\"}\n{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}\n");
        let (received, answers) = run(&input, 100).await;
        assert_eq!(received.len(), 1);
        assert_eq!(answers.len(), 1, "{answers:?}");
        assert_eq!(answers[0]["id"], 7);
        assert!(
            answers[0]["error"]["message"]
                .as_str()
                .unwrap()
                .contains("100 bytes")
        );
    }
}
