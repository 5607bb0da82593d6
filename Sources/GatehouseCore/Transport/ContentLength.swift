/// Reading a `Content-Length` value that came from outside (a caller or an upstream).
///
/// Only 1 to 18 ASCII digits are a length (``UnsignedDecimal``): no sign, no spaces, no list
/// (`5, 5`), nothing that could overflow an `Int`. Anything else is `nil`, which callers treat
/// as "length unknown" (stream it) or refuse, never as a number.
///
/// ```swift
/// let length = ContentLength.parse(response.headers[.contentLength])   // "1024" → 1024, "-1" → nil
/// ```
public enum ContentLength {
    /// The length `text` states, or `nil` when it is missing or not 1–18 ASCII digits.
    public static func parse(_ text: String?) -> Int? {
        text.flatMap { UnsignedDecimal.parse($0) }
    }
}
