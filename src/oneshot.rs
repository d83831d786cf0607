//! `oneshot`: a channel for one value between two tasks of this thread, in
//! place of `futures::channel::oneshot`, whose atomics, spin locks and
//! `Arc` are compiled for every value type it carries (four here) and
//! which wasm, single-threaded, has no use for. The same contract: `send`
//! gives the value back when the receiver is gone; the receiver resolves
//! with [`Canceled`] when the sender is dropped without sending.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
    /// The sender is gone (set before it wakes the receiver).
    sent_or_dropped: bool,
}

/// The sending half.
pub(crate) struct Sender<T>(Rc<RefCell<Slot<T>>>);

/// The receiving half: a future of the value, or [`Canceled`].
pub(crate) struct Receiver<T>(Rc<RefCell<Slot<T>>>);

/// The sender was dropped without sending.
#[derive(Debug)]
pub(crate) struct Canceled;

/// A new channel.
pub(crate) fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let slot = Rc::new(RefCell::new(Slot {
        value: None,
        waker: None,
        sent_or_dropped: false,
    }));
    (Sender(Rc::clone(&slot)), Receiver(slot))
}

impl<T> Sender<T> {
    /// Hands `value` to the receiver, or back when the receiver is gone.
    pub(crate) fn send(self, value: T) -> Result<(), T> {
        if Rc::strong_count(&self.0) == 1 {
            return Err(value);
        }
        self.0.borrow_mut().value = Some(value);
        // Dropping `self` wakes the receiver.
        Ok(())
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut slot = self.0.borrow_mut();
            slot.sent_or_dropped = true;
            slot.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, Canceled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.0.borrow_mut();
        if let Some(value) = slot.value.take() {
            return Poll::Ready(Ok(value));
        }
        if slot.sent_or_dropped {
            return Poll::Ready(Err(Canceled));
        }
        slot.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn poll<T>(rx: &mut Receiver<T>, waker: &Waker) -> Poll<Result<T, Canceled>> {
        Pin::new(rx).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn a_value_sent_is_received() {
        let (tx, mut rx) = channel();
        assert_eq!(tx.send(7), Ok(()));
        assert!(matches!(poll(&mut rx, Waker::noop()), Poll::Ready(Ok(7))));
    }

    #[test]
    fn a_waiting_receiver_is_woken_by_the_send_and_by_a_drop() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        let (tx, mut rx) = channel();
        assert!(poll(&mut rx, &waker).is_pending());
        tx.send("x").unwrap();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(matches!(poll(&mut rx, &waker), Poll::Ready(Ok("x"))));

        let (tx, mut rx) = channel::<u8>();
        assert!(poll(&mut rx, &waker).is_pending());
        drop(tx);
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
        assert!(matches!(poll(&mut rx, &waker), Poll::Ready(Err(Canceled))));
    }

    #[test]
    fn a_sender_dropped_unsent_cancels() {
        let (tx, mut rx) = channel::<u8>();
        drop(tx);
        assert!(matches!(
            poll(&mut rx, Waker::noop()),
            Poll::Ready(Err(Canceled))
        ));
    }

    #[test]
    fn a_value_for_a_receiver_gone_comes_back() {
        let (tx, rx) = channel();
        drop(rx);
        assert_eq!(tx.send(String::from("back")), Err(String::from("back")));
    }

    #[test]
    fn a_value_sent_to_a_receiver_dropped_later_is_dropped_with_it() {
        let value = Rc::new(());
        let (tx, rx) = channel();
        tx.send(Rc::clone(&value)).unwrap();
        assert_eq!(Rc::strong_count(&value), 2);
        drop(rx);
        assert_eq!(Rc::strong_count(&value), 1);
    }
}
