//! `ByName<T>`: one value per queue name, for the realm-wide registries
//! (memory stores in `store/`, local locks and buses in `runtime/`); a leaf
//! that imports nothing, so both layers can use it. A realm opens a handful of queue
//! names, so a vector searched in order serves; it spares the wasm a hash
//! table and SipHash instantiation per registry.

/// Values by queue name, in the order the names were first seen.
pub(crate) struct ByName<T>(Vec<(String, T)>);

impl<T> ByName<T> {
    /// No names.
    pub(crate) const fn new() -> Self {
        ByName(Vec::new())
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|(n, _)| n == name)
    }

    /// The value of `name`, if any.
    pub(crate) fn get(&self, name: &str) -> Option<&T> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The value of `name`, if any, to change.
    pub(crate) fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        self.0.iter_mut().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Takes the value of `name` out.
    pub(crate) fn remove(&mut self, name: &str) -> Option<T> {
        let i = self.position(name)?;
        Some(self.0.swap_remove(i).1)
    }
}

impl<T: Default> ByName<T> {
    /// The value of `name`, created empty on first use.
    pub(crate) fn entry(&mut self, name: &str) -> &mut T {
        let i = match self.position(name) {
            Some(i) => i,
            None => {
                self.0.push((name.to_owned(), T::default()));
                self.0.len() - 1
            }
        };
        &mut self.0[i].1
    }
}
