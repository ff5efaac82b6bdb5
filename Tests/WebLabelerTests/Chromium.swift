import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Debian's headless chromium, started for one test with a throw-away profile.
///
/// `--remote-debugging-port=0` lets chromium pick a free port; it then writes the port and the
/// browser endpoint's path to `DevToolsActivePort` in the profile folder, which we poll for.
final class Chromium: Sendable {
    static let executable = "/usr/bin/chromium"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    let devtools: CDPConnection
    private let pages = Mutex<[BrowserPage]>([])
    var lastPage: BrowserPage? { pages.withLock { $0.last } }
    private let process: Process
    private let profile: URL

    init(windowWidth: Int = 1400, windowHeight: Int = 900) async throws {
        profile = FileManager.default.temporaryDirectory
            .appendingPathComponent("normlab-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = [
            "--headless=new", "--remote-debugging-port=0", "--user-data-dir=\(profile.path)",
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--window-size=\(windowWidth),\(windowHeight)", "about:blank",
        ]
        // The WebSocket client always sends an Origin header, and chromium refuses DevTools
        // connections from origins it was not told about. The port is loopback-only and the
        // profile is thrown away after the test.
        process.arguments! += ["--remote-allow-origins=*"]
        // Chromium is chatty on stderr (dbus, GPU); keep it out of the test log.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        do {
            let endpoint = try await Self.waitForEndpoint(in: profile, process: process)
            devtools = CDPConnection.connect(to: endpoint)
        } catch {
            Self.stop(process)
            throw error
        }
    }

    /// Opens a new tab on `url` and attaches a DevTools session to it.
    func openPage(_ url: String, width: Int = 1400, height: Int = 900) async throws -> BrowserPage {
        let target = try await devtools.send("Target.createTarget", ["url": "about:blank"])
        guard let targetID = target["targetId"] as? String else { throw CDPError("no targetId") }
        let attached = try await devtools.send("Target.attachToTarget", ["targetId": targetID, "flatten": true])
        guard let session = attached["sessionId"] as? String else { throw CDPError("no sessionId") }
        let page = BrowserPage(devtools: devtools, session: session)
        pages.withLock { $0.append(page) }
        try await page.setUp(width: width, height: height)
        try await page.navigate(url)
        return page
    }

    func close() async {
        _ = try? await devtools.send("Browser.close")
        devtools.close()
        Self.stop(process)
        try? FileManager.default.removeItem(at: profile)
    }

    private static func waitForEndpoint(in profile: URL, process: Process) async throws -> String {
        let file = profile.appendingPathComponent("DevToolsActivePort")
        for _ in 0..<200 {
            if let text = try? String(contentsOf: file, encoding: .utf8) {
                let lines = text.split(separator: "\n").map(String.init)
                if lines.count >= 2 { return "ws://127.0.0.1:\(lines[0])\(lines[1])" }
            }
            guard process.isRunning else { throw CDPError("chromium exited with status \(process.terminationStatus)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CDPError("chromium did not write \(file.path) within 20 s")
    }

    /// After Browser.close chromium normally exits by itself; otherwise SIGKILL, because children
    /// started by Foundation's Process inherit a signal mask that blocks SIGTERM.
    private static func stop(_ process: Process) {
        for _ in 0..<30 where process.isRunning { usleep(100_000) }
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
