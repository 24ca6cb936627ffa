//! The stdio transport with a line filter in front of rmcp: lines are read with a length
//! cap, a line that is not one JSON-RPC message is answered with a JSON-RPC error (rmcp
//! would drop it silently), and good lines go on to rmcp. One writer task owns stdout, so
//! rmcp's answers and the filter's errors never interleave within a line.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::jsonrpc;

/// Longest line accepted (rmcp's own limit is 16 MiB; tool arguments are small).
pub(crate) const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// Pipes for rmcp (what it reads, where it writes) and the two filter tasks; the writer
/// task ends once rmcp's side is closed and everything is written.
pub(crate) struct Filtered {
    pub reader: tokio::io::DuplexStream,
    pub writer: tokio::io::DuplexStream,
    pub tasks: JoinHandle<()>,
}

pub(crate) fn filter<R, W>(input: R, output: W) -> Filtered
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (rmcp_reader, mut feed) = tokio::io::duplex(1 << 20);
    let (rmcp_writer, from_rmcp) = tokio::io::duplex(1 << 20);
    let (errors, mut error_lines) = mpsc::channel::<Vec<u8>>(64);
    let reading = tokio::spawn(async move {
        let mut input = BufReader::new(input);
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = match (&mut input)
                .take(MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut line)
                .await
            {
                Ok(n) => n,
                Err(e) => {
                    tracing::info!(error = %e, "stdin closed");
                    break;
                }
            };
            if n == 0 {
                break;
            }
            if line.len() > MAX_LINE_BYTES && !line.ends_with(b"\n") {
                // Too long: skip the rest of it, answer once.
                let mut rest = Vec::new();
                loop {
                    rest.clear();
                    match (&mut input)
                        .take(1 << 16)
                        .read_until(b'\n', &mut rest)
                        .await
                    {
                        Ok(0) | Err(_) => break,
                        Ok(_) if rest.ends_with(b"\n") => break,
                        Ok(_) => {}
                    }
                }
                let e = jsonrpc::Malformed {
                    id: serde_json::Value::Null,
                    code: -32600,
                    message: format!(
                        "invalid request: a line is longer than {MAX_LINE_BYTES} bytes"
                    ),
                };
                if errors.send(jsonrpc::error_line(&e)).await.is_err() {
                    break;
                }
                continue;
            }
            let text = trim(&line);
            if text.is_empty() {
                continue;
            }
            match jsonrpc::check(text) {
                Ok(_) => {
                    if feed.write_all(text).await.is_err() || feed.write_all(b"\n").await.is_err() {
                        break;
                    }
                }
                Err(e) => {
                    if errors.send(jsonrpc::error_line(&e)).await.is_err() {
                        break;
                    }
                }
            }
        }
        // End of input: rmcp sees its input close and ends the session.
        let _ = feed.shutdown().await;
    });
    let writing = tokio::spawn(async move {
        let mut output = output;
        let mut from_rmcp = BufReader::new(from_rmcp);
        let mut line = Vec::new();
        let mut rmcp_open = true;
        loop {
            tokio::select! {
                read = from_rmcp.read_until(b'\n', &mut line), if rmcp_open => {
                    match read {
                        Ok(0) | Err(_) => rmcp_open = false,
                        Ok(_) => {
                            if output.write_all(&line).await.is_err() { break; }
                            line.clear();
                            if output.flush().await.is_err() { break; }
                        }
                    }
                }
                Some(error) = error_lines.recv() => {
                    if output.write_all(&error).await.is_err() || output.flush().await.is_err() {
                        break;
                    }
                }
                else => break,
            }
            if !rmcp_open {
                break;
            }
        }
        let _ = output.flush().await;
    });
    let tasks = tokio::spawn(async move {
        let _ = writing.await;
        reading.abort();
    });
    Filtered {
        reader: rmcp_reader,
        writer: rmcp_writer,
        tasks,
    }
}

fn trim(line: &[u8]) -> &[u8] {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &line[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn malformed_lines_are_answered_and_good_ones_pass() {
        let (mut client, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, mut client_out) = tokio::io::duplex(1 << 16);
        let f = filter(server_in, server_out);
        client
            .write_all(b"not json\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n[]\n")
            .await
            .unwrap();
        // What rmcp would read: the good line only.
        let mut rmcp_in = BufReader::new(f.reader);
        let mut got = String::new();
        rmcp_in.read_line(&mut got).await.unwrap();
        assert_eq!(got, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n");
        // What the client reads: two errors.
        let mut out = BufReader::new(&mut client_out);
        let mut first = String::new();
        out.read_line(&mut first).await.unwrap();
        let mut second = String::new();
        out.read_line(&mut second).await.unwrap();
        assert!(first.contains("-32700"), "{first}");
        assert!(second.contains("-32600"), "{second}");
        // rmcp's own answers pass through whole.
        let mut w = f.writer;
        w.write_all(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n")
            .await
            .unwrap();
        let mut third = String::new();
        out.read_line(&mut third).await.unwrap();
        assert!(third.contains("\"result\""), "{third}");
    }
}
