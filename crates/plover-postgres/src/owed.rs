//! What a connection owes the server before its next request: the release of a lock given
//! back with `Driver::unlock_soon`, and a session reset. Both ride in front of the next
//! request, in the same round trip.

use std::slice;
use std::sync::LazyLock;

use plover_core::Value;
use plover_core::sql::quote_ident;

use crate::connection::CONNECTION_CHECK;
use crate::lock;
use crate::pipeline::Request;
use crate::value::Param;

/// What goes in front of the next request: the release of a lock given back with
/// [`plover_core::Driver::unlock_soon`], then a session reset.
pub(crate) struct Owed {
    /// The key of the lock to release.
    pub(crate) unlock: Option<Value>,
    /// The session reset.
    pub(crate) reset: Option<Reset>,
}

impl Owed {
    /// The parameters of the requests owed, in order.
    pub(crate) fn params(&self) -> Vec<Param<'_>> {
        let reset = self.reset.iter().flat_map(|r| &r.settings).map(|(_, v)| v);
        self.unlock.iter().chain(reset).map(Param).collect()
    }

    /// Appends the requests owed; `params` are [`Owed::params`].
    pub(crate) fn push<'a>(&'a self, requests: &mut Vec<Request<'a>>, params: &'a [Param<'a>]) {
        let mut params = params.iter();
        if self.unlock.is_some() {
            let key = params.next().expect("the unlock's key");
            requests.push(Request::Unprepared(lock::UNLOCK, slice::from_ref(key)));
        }
        if let Some(reset) = &self.reset {
            requests.push(Request::Simple(&RESET_SCRIPT));
            for ((sql, _), param) in reset.settings.iter().zip(params) {
                requests.push(Request::Unprepared(sql, slice::from_ref(param)));
            }
        }
    }
}

/// The statements that put a session back as it began: the reset itself, then Plover's
/// settings that must survive it (the lock label, the schema of `use_schema`).
pub(crate) struct Reset {
    settings: Vec<(&'static str, Value)>,
}

/// What resets a session, one statement each: the settings made at connection go too, so
/// the connection check is made again.
const RESET_STATEMENTS: [&str; 3] = [
    "SET SESSION AUTHORIZATION DEFAULT",
    "RESET ALL",
    CONNECTION_CHECK,
];

/// [`RESET_STATEMENTS`] as one simple query, for the pipelined requests.
static RESET_SCRIPT: LazyLock<String> = LazyLock::new(|| RESET_STATEMENTS.join("; "));

impl Reset {
    /// The reset as separate statements, the settings' values written as literals (for a
    /// transaction sent as one simple query).
    pub(crate) fn statements(&self) -> impl Iterator<Item = String> + '_ {
        let settings = self
            .settings
            .iter()
            .map(|(sql, value)| crate::transaction::with_literals(sql, slice::from_ref(value)));
        RESET_STATEMENTS
            .into_iter()
            .map(str::to_owned)
            .chain(settings)
    }

    /// The reset of a session labelled `lock_label` whose schema is `schema`.
    pub(crate) fn of(lock_label: Option<String>, schema: Option<&str>) -> Reset {
        let settings = [
            (SET_APPLICATION_NAME, lock_label),
            (SET_SEARCH_PATH, schema.map(quote_ident)),
        ]
        .into_iter()
        .filter_map(|(sql, value)| Some((sql, Value::Text(value?))))
        .collect();
        Reset { settings }
    }
}

/// `search_path` set to one schema, for the session.
pub(crate) const SET_SEARCH_PATH: &str = "SELECT set_config('search_path', $1, false)";

/// The session's `application_name`.
pub(crate) const SET_APPLICATION_NAME: &str = "SELECT set_config('application_name', $1, false)";
