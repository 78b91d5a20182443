//! Where the engine sends its [`Event`]s.

use plover_core::Event;

/// Receives progress events. Libraries never print; the caller decides what to show.
pub trait Observer: Send {
    /// Called for every event, in order.
    fn on_event(&mut self, event: &Event);
}

impl<F: FnMut(&Event) + Send> Observer for F {
    fn on_event(&mut self, event: &Event) {
        self(event);
    }
}

/// An observer that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Observer for Silent {
    fn on_event(&mut self, _: &Event) {}
}
