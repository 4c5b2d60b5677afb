//! A cursor in a list and the first row on screen, the scrolling every list pane shares.

/// Kept together so the cursor stays visible.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    pub cursor: usize,
    pub offset: usize,
}

impl Scroll {
    /// Moves the cursor to `to` (clamped) and scrolls just enough to show it.
    pub fn go(&mut self, to: usize, len: usize, height: usize) {
        if len == 0 {
            *self = Scroll::default();
            return;
        }
        self.cursor = to.min(len - 1);
        let height = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }

    pub fn by(&mut self, delta: isize, len: usize, height: usize) {
        let to = (self.cursor as isize + delta).max(0) as usize;
        self.go(to, len, height);
    }

    /// Scrolls the view by `delta` rows, dragging the cursor along only when it would leave it.
    pub fn scroll(&mut self, delta: isize, len: usize, height: usize) {
        let height = height.max(1);
        let max_offset = len.saturating_sub(height);
        self.offset = ((self.offset as isize + delta).max(0) as usize).min(max_offset);
        let cursor = self.cursor.clamp(
            self.offset,
            (self.offset + height - 1).min(len.saturating_sub(1)),
        );
        self.cursor = cursor;
    }
}
