import GatehouseCore

/// What one validator answer means (Adapters/OKIT/README.md, "Inbound authentication"): a JSON body with a boolean
/// `valid` decides whatever the status — `true` admits only with a 2xx status, `false` refuses.
/// No such body, or a redirect, decides nothing.
package enum OKITAnswer: Equatable {
    case valid(message: String)
    case invalid(message: String)
    /// No definite answer; `reason` is bounded and never quotes the body.
    case undecided(reason: String)

    /// Longest `message` passed on; a validator's message is a short sentence.
    package static let longestMessage = 512

    package init(status: Int, body: [UInt8]) {
        if (300..<400).contains(status) {
            self = .undecided(reason: "redirect \(status), not followed")
            return
        }
        guard let value = try? JSON.parse(body), case .bool(let valid)? = value.objectValue?["valid"] else {
            self = .undecided(reason: "status \(status) without a JSON {\"valid\": boolean} body")
            return
        }
        let message = String((value["message"]?.stringValue ?? "").prefix(Self.longestMessage))
        if !valid {
            self = .invalid(message: message)
        } else if (200..<300).contains(status) {
            self = .valid(message: message)
        } else {
            self = .undecided(reason: "status \(status) with valid: true")
        }
    }
}
