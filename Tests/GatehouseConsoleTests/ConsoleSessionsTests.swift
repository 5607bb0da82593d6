import Testing

@testable import GatehouseConsole

@Suite struct ConsoleSessionsTests {
    @Test func sessionsAreRandomServerSideAndEndAfterEightHoursOrAtLogout() {
        let sessions = ConsoleSessions()
        let now = ContinuousClock.now
        let cookie = sessions.open(tokenDigest: [1, 2, 3], now: now)
        let other = sessions.open(tokenDigest: [1, 2, 3], now: now)
        #expect(cookie.utf8.count == 43 && other.utf8.count == 43)
        #expect(cookie != other)
        let session = sessions.session(cookie, now: now + .seconds(8 * 3600 - 1))
        #expect(session?.tokenDigest == [1, 2, 3])
        #expect(session?.csrf.utf8.count == 43)
        #expect(session?.csrf != sessions.session(other, now: now)?.csrf)
        #expect(sessions.session(cookie, now: now + .seconds(8 * 3600)) == nil)
        sessions.close(other)
        #expect(sessions.session(other, now: now) == nil)
        #expect(sessions.session("not-a-session", now: now) == nil)
    }

    @Test func aFlashMessageIsShownOnce() {
        let sessions = ConsoleSessions()
        let cookie = sessions.open(tokenDigest: [])
        sessions.flash(cookie, ConsoleFlash(ok: true, text: "done"))
        #expect(sessions.takeFlash(cookie)?.text == "done")
        #expect(sessions.takeFlash(cookie) == nil)
    }

    @Test func aFullStoreDropsTheOldestSession() {
        let sessions = ConsoleSessions()
        let start = ContinuousClock.now
        let first = sessions.open(tokenDigest: [], now: start)
        for index in 1..<ConsoleSessions.capacity { _ = sessions.open(tokenDigest: [], now: start + .seconds(index)) }
        #expect(sessions.session(first, now: start + .seconds(300)) != nil)
        _ = sessions.open(tokenDigest: [], now: start + .seconds(400))
        #expect(sessions.session(first, now: start + .seconds(400)) == nil)
    }

    @Test(arguments: [
        ("/", true), ("/connections", true), ("/connections/keyfax-demo/actions/keyfax/rotate", true), ("/vault", true),
        ("/vault/put", true), ("/vault/delete", true), ("/audit", true), ("/clients", true), ("/logout", true),
        ("/connections/x", false), ("/connections/x/actions/", false), ("/vault/other", false),
        ("/proxy/echo/x", false),
        ("/healthz", false), ("//", false), ("/clients/x", false),
    ])
    func onlyTheConsolesPagesAreItsOwn(path: String, expected: Bool) {
        #expect(Console.isPage(path) == expected)
    }
}
