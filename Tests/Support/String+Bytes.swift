extension String {
    /// Whether `needle`'s UTF-8 bytes occur in this string's, searched by the standard library.
    ///
    /// For scanning gateway logs for secrets: Foundation's `contains` (what `log.contains(x)`
    /// picks with Foundation imported) goes through CFStringFind, which once crashed the test
    /// process with a bad pointer dereference while scanning a large log for many tokens.
    public func containsBytes(_ needle: String) -> Bool {
        self.utf8.firstRange(of: needle.utf8) != nil
    }
}
