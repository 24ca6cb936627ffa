//! MCP sessions of the Streamable HTTP handshake protocol, bounded and owned: at most
//! `max_total` open at once and `max_per_principal` per principal, each usable only by the
//! principal that created it (another principal's request with its `Mcp-Session-Id` is
//! answered "session not found", as for an unknown one). rmcp's `LocalSessionManager` keeps
//! the sessions; [`TrackedSessions`] wraps it so every end (DELETE, idle expiry, shutdown)
//! updates the registry.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_core::Stream;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::streamable_http_server::session::local::{
    LocalSessionManager, LocalSessionManagerError,
};
use rmcp::transport::streamable_http_server::session::{
    ServerSseMessage, SessionId, SessionManager,
};

/// Who owns which session, and how many each principal holds (open or being opened).
#[derive(Debug)]
pub(crate) struct Registry {
    max_total: usize,
    max_per_principal: usize,
    state: Mutex<State>,
}

#[derive(Default, Debug)]
struct State {
    owners: HashMap<String, String>,
    counts: HashMap<String, usize>,
    total: usize,
}

/// Why a new session was refused.
#[derive(Debug)]
pub(crate) enum Refused {
    Principal(usize),
    Total(usize),
}

impl Registry {
    pub(crate) fn new(max_total: usize, max_per_principal: usize) -> Registry {
        Registry {
            max_total,
            max_per_principal,
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Holds a place for a session of `principal`; released unless committed.
    pub(crate) fn reserve(self: &Arc<Self>, principal: &str) -> Result<Reservation, Refused> {
        let mut s = self.lock();
        if s.total >= self.max_total {
            return Err(Refused::Total(self.max_total));
        }
        let count = s.counts.entry(principal.to_string()).or_default();
        if *count >= self.max_per_principal {
            return Err(Refused::Principal(self.max_per_principal));
        }
        *count += 1;
        s.total += 1;
        Ok(Reservation {
            registry: self.clone(),
            principal: principal.to_string(),
            committed: false,
        })
    }

    /// The principal that owns `session`, if it is open.
    pub(crate) fn owner(&self, session: &str) -> Option<String> {
        self.lock().owners.get(session).cloned()
    }

    /// A session ended (idempotent).
    pub(crate) fn forget(&self, session: &str) {
        let mut s = self.lock();
        if let Some(principal) = s.owners.remove(session) {
            release(&mut s, &principal);
        }
        nba_app::record_open_sessions(s.owners.len());
    }

    #[cfg(test)]
    pub(crate) fn open(&self) -> usize {
        self.lock().owners.len()
    }
}

fn release(s: &mut State, principal: &str) {
    s.total = s.total.saturating_sub(1);
    if let Some(c) = s.counts.get_mut(principal) {
        *c = c.saturating_sub(1);
        if *c == 0 {
            s.counts.remove(principal);
        }
    }
}

#[derive(Debug)]
pub(crate) struct Reservation {
    registry: Arc<Registry>,
    principal: String,
    committed: bool,
}

impl Reservation {
    /// The session now exists and belongs to the reserving principal.
    pub(crate) fn commit(mut self, session: &str) {
        let mut s = self.registry.lock();
        s.owners.insert(session.to_string(), self.principal.clone());
        nba_app::record_open_sessions(s.owners.len());
        self.committed = true;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if !self.committed {
            release(&mut self.registry.lock(), &self.principal);
        }
    }
}

/// rmcp's local session manager, reporting every session end to the registry.
pub(crate) struct TrackedSessions {
    pub(crate) inner: LocalSessionManager,
    pub(crate) registry: Arc<Registry>,
}

impl SessionManager for TrackedSessions {
    type Error = LocalSessionManagerError;
    type Transport = <LocalSessionManager as SessionManager>::Transport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        self.inner.create_session().await
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        self.inner.initialize_session(id, message).await
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        self.inner.has_session(id).await
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        let result = self.inner.close_session(id).await;
        self.registry.forget(id);
        result
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.inner.create_stream(id, message).await
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        self.inner.accept_message(id, message).await
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.inner.create_standalone_stream(id).await
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.inner.resume(id, last_event_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_and_every_end_releases_the_place() {
        let r = Arc::new(Registry::new(3, 2));
        r.reserve("a").unwrap().commit("s1");
        r.reserve("a").unwrap().commit("s2");
        assert!(matches!(r.reserve("a"), Err(Refused::Principal(2))));
        let pending = r.reserve("b").unwrap();
        assert!(matches!(r.reserve("c"), Err(Refused::Total(3))));
        drop(pending);
        r.reserve("c").unwrap().commit("s3");
        assert_eq!(r.owner("s1").as_deref(), Some("a"));
        r.forget("s1");
        r.forget("s1");
        assert_eq!(r.owner("s1"), None);
        r.reserve("a").unwrap().commit("s4");
        assert_eq!(r.open(), 3);
    }
}
