import HTTPTypes

extension HTTPFields {
    /// What `self[name]` returns (the values of every `name` field joined with `, `, or `; `
    /// for `Cookie`; `nil` when there is none), without its cost in the usual case of one such
    /// field: HTTPTypes' getter joins through an unspecialised lazy map, about 4,000
    /// instructions per present header. The proxy path reads several per request.
    public func value(for name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            // A repeated field: the getter's joined value, exactly.
            if found != nil { return self[name] }
            found = field.value
        }
        return found
    }
}
