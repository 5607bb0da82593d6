import HTTPTypes

extension HTTPFields {
    /// What `self[name]` returns (the values of every `name` field joined with `, `, or `; `
    /// for `Cookie`; `nil` when there is none), without its cost in the usual case of one such
    /// field: HTTPTypes' getter joins through an unspecialised lazy map, about 4,000
    /// instructions per present header. The proxy path reads several per request.
    ///
    /// `contains` scans the names in place; iterating the fields instead would copy each one
    /// (three reference counts up and down per field).
    public func value(for name: HTTPField.Name) -> String? {
        guard self.contains(name) else { return nil }
        let values = self[values: name]
        // A repeated field: the getter's joined value, exactly.
        return values.count == 1 ? values[0] : self[name]
    }
}

extension HTTPFields {
    /// `self[name] = value`: replaces every `name` field with one holding `value`, or appends
    /// one when there is none (the usual case), without the setter's lazy sequences then.
    public mutating func set(_ name: HTTPField.Name, to value: String) {
        if name != .cookie, !self.contains(name) {
            self.append(HTTPField(name: name, value: value))
        } else {
            self[name] = value
        }
    }
}
