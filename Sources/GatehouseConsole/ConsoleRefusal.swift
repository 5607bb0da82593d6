import HTTPTypes

/// A refusal shown as a page.
struct ConsoleRefusal: Error {
    var status: HTTPResponse.Status
    var heading: String
    var text: String
    var back = "/connections"
}
