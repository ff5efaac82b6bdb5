import Foundation

/// One tab, driven like a user would: real mouse events at screen coordinates and real key events,
/// both through the DevTools Input domain (not synthetic DOM events), so the page's own handlers,
/// focus rules and default actions all run.
struct BrowserPage: Sendable {
    let devtools: CDPConnection
    let session: String

    @discardableResult
    func send(_ method: String, _ params: [String: Any] = [:]) async throws -> [String: Any] {
        try await devtools.send(method, params, session: session)
    }

    func setUp(width: Int, height: Int) async throws {
        try await send("Page.enable")
        try await send("Runtime.enable") // reports uncaught exceptions to CDPConnection
        // A short helper for the tests' conditions, present in every document the tab loads.
        try await send("Page.addScriptToEvaluateOnNewDocument", [
            "source": "window.text = (id) => document.getElementById(id).textContent.trim();",
        ])
        try await send("Emulation.setDeviceMetricsOverride", [
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false,
        ])
    }

    func navigate(_ url: String) async throws {
        let result = try await send("Page.navigate", ["url": url])
        if let error = result["errorText"] as? String { throw CDPError("navigate \(url): \(error)") }
    }

    func reload() async throws {
        try await send("Page.reload", ["ignoreCache": true])
    }

    /// Evaluates a JavaScript expression (awaiting promises) and returns its JSON value.
    func evaluate(_ expression: String) async throws -> Any? {
        let result = try await send("Runtime.evaluate", [
            "expression": expression, "returnByValue": true, "awaitPromise": true,
        ])
        if let details = result["exceptionDetails"] as? [String: Any] {
            let description = (details["exception"] as? [String: Any])?["description"] ?? details["text"] ?? ""
            throw CDPError("JavaScript error in `\(expression)`: \(description)")
        }
        return (result["result"] as? [String: Any])?["value"]
    }

    func string(_ expression: String) async throws -> String {
        "\(try await evaluate(expression) ?? "")"
    }

    /// Polls `condition` (a JS boolean expression) until it holds; the UI updates asynchronously.
    /// While a page is still loading the expression may throw (no body yet): that counts as false.
    func waitUntil(_ condition: String, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        let guarded = "(() => { try { return Boolean(\(condition)); } catch { return false; } })()"
        while ContinuousClock.now < deadline {
            if try await evaluate(guarded) as? Bool == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CDPError("timed out after \(timeout) waiting for `\(condition)`")
    }

    // MARK: - Mouse

    func moveMouse(to point: CGPoint) async throws {
        try await mouse("mouseMoved", at: point)
    }

    /// A full click at `point` in CSS pixels: move there, press, release.
    func click(at point: CGPoint, button: String = "left", modifiers: Int = 0) async throws {
        try await mouse("mouseMoved", at: point, modifiers: modifiers)
        try await mouse("mousePressed", at: point, button: button, modifiers: modifiers)
        try await mouse("mouseReleased", at: point, button: button, modifiers: modifiers)
    }

    private func mouse(_ type: String, at p: CGPoint, button: String = "none", modifiers: Int = 0) async throws {
        var params: [String: Any] = ["type": type, "x": Double(p.x), "y": Double(p.y), "modifiers": modifiers]
        if type != "mouseMoved" {
            params["button"] = button
            params["clickCount"] = 1
        }
        try await send("Input.dispatchMouseEvent", params)
    }

    /// Bounding box of the first element matching `selector`, in CSS pixels.
    func rect(of selector: String) async throws -> CGRect {
        let js = "(() => { const r = document.querySelector(\(jsString(selector))).getBoundingClientRect();"
            + " return [r.left, r.top, r.width, r.height]; })()"
        guard let v = try await evaluate(js) as? [Double], v.count == 4 else { throw CDPError("no element \(selector)") }
        return CGRect(x: v[0], y: v[1], width: v[2], height: v[3])
    }

    // MARK: - Keyboard

    /// Presses a key as a real keyboard would (keyDown with its text, then keyUp).
    func press(_ key: Key, modifiers: Int = 0) async throws {
        var down: [String: Any] = [
            "type": key.text == nil ? "rawKeyDown" : "keyDown", "key": key.key, "code": key.code,
            "windowsVirtualKeyCode": key.keyCode, "modifiers": modifiers,
        ]
        if let text = key.text, modifiers & ~Modifier.shift == 0 { down["text"] = text }
        try await send("Input.dispatchKeyEvent", down)
        try await send("Input.dispatchKeyEvent", [
            "type": "keyUp", "key": key.key, "code": key.code, "windowsVirtualKeyCode": key.keyCode,
            "modifiers": modifiers,
        ])
    }

    func type(_ text: String) async throws {
        try await send("Input.insertText", ["text": text])
    }

    // MARK: - Screenshots

    /// Saves a PNG of the viewport and returns its path.
    @discardableResult
    func screenshot(to url: URL) async throws -> URL {
        let result = try await send("Page.captureScreenshot", ["format": "png"])
        guard let base64 = result["data"] as? String, let data = Data(base64Encoded: base64) else {
            throw CDPError("screenshot without data")
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        return url
    }
}

enum Modifier {
    static let alt = 1, ctrl = 2, meta = 4, shift = 8
}

/// The DevTools key description of the keys the labeler uses.
struct Key: Sendable {
    let key: String
    let code: String
    let keyCode: Int
    let text: String?

    static let arrowRight = Key(key: "ArrowRight", code: "ArrowRight", keyCode: 39, text: nil)
    static let arrowLeft = Key(key: "ArrowLeft", code: "ArrowLeft", keyCode: 37, text: nil)
    static let space = Key(key: " ", code: "Space", keyCode: 32, text: " ")
    static let home = Key(key: "Home", code: "Home", keyCode: 36, text: nil)
    static let escape = Key(key: "Escape", code: "Escape", keyCode: 27, text: nil)
    static let enter = Key(key: "Enter", code: "Enter", keyCode: 13, text: "\r")
    static let questionMark = Key(key: "?", code: "Slash", keyCode: 191, text: "?")

    /// A letter key; `shifted` gives the upper-case key value, as a real Shift+letter does.
    static func letter(_ c: Character, shifted: Bool = false) -> Key {
        let lower = String(c).lowercased()
        let key = shifted ? lower.uppercased() : lower
        return Key(key: key, code: "Key\(lower.uppercased())",
                   keyCode: Int(lower.uppercased().unicodeScalars.first!.value), text: key)
    }

    static func digit(_ d: Int) -> Key {
        Key(key: "\(d)", code: "Digit\(d)", keyCode: 48 + d, text: "\(d)")
    }
}

/// A JavaScript string literal for `s` (JSON string syntax is valid JavaScript).
func jsString(_ s: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [s])
    return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
}
