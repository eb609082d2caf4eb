import Foundation
import Glibc
import SchemaRegistry
import Testing

/// The client over HTTPS: the registry's certificate checked against `caLocation`, basic auth
/// sent inside TLS, and mutual TLS with a client certificate; against Python's `ssl` server
/// (Tests/Python/tls_registry.py) with certificates `openssl` makes for the test.
@Suite(.timeLimit(.minutes(1)))
struct SchemaRegistryTLSTests {
    @Test func theRegistrysCertificateIsVerifiedWithTheConfiguredCA() throws {
        let pki = try TestPKI()
        let registry = try TLSRegistry(pki: pki, requireClientCertificate: false)
        defer { registry.stop() }
        var configuration = SchemaRegistryConfiguration(urls: ["https://127.0.0.1:\(registry.port)"])
        configuration.caLocation = pki.path("ca.pem")
        configuration.basicAuth = "svc:s3cret"
        configuration.timeoutMilliseconds = 3_000
        let schema = try SchemaRegistryClient(configuration: configuration).schema(id: 1)
        #expect(schema.contains("\"path\""))
        // Basic auth arrived, inside TLS.
        #expect(registry.waitForLine { $0 == "auth Basic \(Data("svc:s3cret".utf8).base64EncodedString())" })

        // Without the CA the self-signed chain is refused: worth retrying, never trusted.
        configuration.caLocation = nil
        #expect {
            _ = try SchemaRegistryClient(configuration: configuration).schema(id: 1)
        } throws: { error in
            (error as? SchemaRegistryError)?.code == .unavailable && "\(error)".lowercased().contains("certificate")
        }
    }

    @Test func mutualTLSPresentsTheClientCertificate() throws {
        let pki = try TestPKI()
        let registry = try TLSRegistry(pki: pki, requireClientCertificate: true)
        defer { registry.stop() }
        var configuration = SchemaRegistryConfiguration(urls: ["https://127.0.0.1:\(registry.port)"])
        configuration.caLocation = pki.path("ca.pem")
        configuration.timeoutMilliseconds = 3_000
        #expect(throws: SchemaRegistryError.self) {
            _ = try SchemaRegistryClient(configuration: configuration).schema(id: 1)
        }
        configuration.certificateLocation = pki.path("client.pem")
        configuration.keyLocation = pki.path("client.key")
        #expect(try SchemaRegistryClient(configuration: configuration).schema(id: 1).contains("\"path\""))
    }
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, made with `openssl` in a
/// temporary directory.
private struct TestPKI {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "registry-pki-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.openssl(
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
                "-subj", "/CN=test-ca",
            ],
            in: directory
        )
        for (name, extensions) in [
            ("server", "subjectAltName=IP:127.0.0.1,DNS:localhost"), ("client", "extendedKeyUsage=clientAuth"),
        ] {
            try Self.openssl(
                [
                    "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name).key", "-out", "\(name).csr", "-subj",
                    "/CN=\(name)",
                ],
                in: directory
            )
            try Data(extensions.utf8).write(to: URL(fileURLWithPath: directory + "/\(name).ext"))
            try Self.openssl(
                [
                    "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out",
                    "\(name).pem", "-days", "1", "-extfile", "\(name).ext",
                ],
                in: directory
            )
        }
    }

    func path(_ name: String) -> String { directory + "/" + name }

    private static func openssl(_ arguments: [String], in directory: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: ["openssl": arguments.joined(separator: " ")])
        }
    }
}

/// Tests/Python/tls_registry.py as a child process; its output lines as they come.
private final class TLSRegistry: @unchecked Sendable {
    let port: Int
    private let process = Process()
    private let lines = LockedLines()

    init(pki: TestPKI, requireClientCertificate: Bool) throws {
        let script =
            "/" + String(#filePath).split(separator: "/").dropLast(2).joined(separator: "/")
            + "/Python/tls_registry.py"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", script, pki.path("server.pem"), pki.path("server.key")]
            + (requireClientCertificate ? [pki.path("ca.pem")] : [])
        let pipe = Pipe()
        process.standardOutput = pipe
        let lines = self.lines
        pipe.fileHandleForReading.readabilityHandler = { handle in lines.append(handle.availableData) }
        try process.run()
        var port: Int?
        let deadline = Date().addingTimeInterval(10)
        while port == nil && Date() < deadline {
            port = lines.all.first { $0.hasPrefix("port ") }.flatMap { Int($0.dropFirst(5)) }
            if port == nil { Thread.sleep(forTimeInterval: 0.02) }
        }
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadUnknown, userInfo: ["tls_registry.py": "did not start"])
        }
        self.port = port
    }

    func waitForLine(_ matches: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if lines.all.contains(where: matches) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    func stop() {
        // SIGKILL: a test process may have blocked SIGTERM (the signal tests do), and a child
        // inherits the mask.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// Output lines appended from the pipe's handler thread, read from the test's.
private final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""

    func append(_ data: Data) {
        lock.withLock { text += String(decoding: data, as: UTF8.self) }
    }

    var all: [String] { lock.withLock { text.split(separator: "\n").map(String.init) } }
}
