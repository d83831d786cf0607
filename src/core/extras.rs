//! A message's rare fields (FIFO group, idempotency key, last error) behind
//! one box: most jobs have none, and the record is held by value in the
//! engine's and the load's B-trees, whose inserts and removals move it.

/// The rare fields of a message record: `None` when all three are absent
/// (never a box of three `None`s, so equal records compare equal).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extras(Option<Box<Strings>>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Strings {
    group: Option<String>,
    idempotency_key: Option<String>,
    last_error: Option<String>,
}

impl Extras {
    /// These fields; boxed only when one is present.
    pub fn new(
        group: Option<String>,
        idempotency_key: Option<String>,
        last_error: Option<String>,
    ) -> Self {
        if group.is_none() && idempotency_key.is_none() && last_error.is_none() {
            return Extras(None);
        }
        Extras(Some(Box::new(Strings {
            group,
            idempotency_key,
            last_error,
        })))
    }

    /// The FIFO group.
    pub fn group(&self) -> Option<&str> {
        self.0.as_ref()?.group.as_deref()
    }

    /// The idempotency key.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.0.as_ref()?.idempotency_key.as_deref()
    }

    /// The error of the last failed try.
    pub fn last_error(&self) -> Option<&str> {
        self.0.as_ref()?.last_error.as_deref()
    }

    /// Sets the last error; returns the one it replaces.
    pub fn replace_last_error(&mut self, error: Option<String>) -> Option<String> {
        let Some(s) = &mut self.0 else {
            *self = Extras::new(None, None, error);
            return None;
        };
        let before = core::mem::replace(&mut s.last_error, error);
        if s.group.is_none() && s.idempotency_key.is_none() && s.last_error.is_none() {
            self.0 = None;
        }
        before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_fields_is_no_box_and_clearing_the_last_one_drops_it() {
        assert_eq!(Extras::new(None, None, None), Extras::default());
        assert!(Extras::new(None, None, None).0.is_none());
        let mut e = Extras::new(None, None, Some("boom".into()));
        assert_eq!(e.replace_last_error(None).as_deref(), Some("boom"));
        assert_eq!(e, Extras::default());
        assert!(e.0.is_none());
        let mut e = Extras::new(Some("g".into()), Some("k".into()), None);
        assert_eq!(e.replace_last_error(Some("x".into())), None);
        assert_eq!(
            (e.group(), e.idempotency_key(), e.last_error()),
            (Some("g"), Some("k"), Some("x"))
        );
        assert_eq!(e.replace_last_error(None).as_deref(), Some("x"));
        assert_eq!(e, Extras::new(Some("g".into()), Some("k".into()), None));
    }
}
