import SchemaRegistry

/// Avro schemas the tests register.
enum TestSchemas {
    static let user = #"{"type":"record","name":"User","fields":[{"name":"name","type":"string"}]}"#
    /// ``user`` with a field added that has a default: BACKWARD compatible with it.
    static let userWithAge =
        #"{"type":"record","name":"User","fields":[{"name":"name","type":"string"},{"name":"age","type":"int","default":0}]}"#
    /// ``user`` with a field added without a default: cannot read data written with ``user``.
    static let userWithEmail =
        #"{"type":"record","name":"User","fields":[{"name":"name","type":"string"},{"name":"email","type":"string"}]}"#
    /// A linked list: a record that refers to itself.
    static let recursive =
        #"{"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"],"default":null}]}"#
}

/// A started development registry and a client of it; stops the registry when released.
final class RunningRegistry {
    let server: SchemaRegistryServer
    let client: SchemaRegistryClient

    init(compatibility: SchemaRegistryServer.Compatibility = .backward) throws {
        server = SchemaRegistryServer(port: 0, compatibility: compatibility)
        let port = try server.start()
        client = try SchemaRegistryClient(
            configuration: SchemaRegistryConfiguration(urls: ["http://127.0.0.1:\(port)"])
        )
    }

    deinit { server.stop() }
}
