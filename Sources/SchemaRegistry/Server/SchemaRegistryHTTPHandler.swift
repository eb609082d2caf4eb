import NIOCore
import NIOHTTP1

/// One connection of the development registry: reads one request and its body (up to
/// ``SchemaRegistryServer/maxRequestBytes``), answers it, closes.
///
/// As the operations endpoint's handler: the request deadline starts when the handler is added (at
/// accept) and is cancelled only by the answer, so a client trickling its request is closed too.
final class SchemaRegistryHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let store: RegistryStore
    private let requestTimeout: TimeAmount
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var answered = false
    private var deadline: Scheduled<Void>?

    init(store: RegistryStore, requestTimeout: TimeAmount) {
        self.store = store
        self.requestTimeout = requestTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: requestTimeout) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            // A declared length over the limit is refused before any of the body is read.
            if let length = head.headers.first(name: "Content-Length").flatMap({ Int($0) }),
                length > SchemaRegistryServer.maxRequestBytes
            {
                respond(RegistryStore.failure(.tooLarge), version: head.version, context: context)
            }
        case .body(var chunk):
            guard body.count + chunk.readableBytes <= SchemaRegistryServer.maxRequestBytes else {
                respond(RegistryStore.failure(.tooLarge), version: head?.version ?? .http1_1, context: context)
                return
            }
            body += chunk.readBytes(length: chunk.readableBytes) ?? []
        case .end:
            guard let head else { return }
            let reply = store.reply(method: head.method.rawValue, uri: head.uri, body: body)
            respond(reply, version: head.version, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func respond(_ reply: RegistryReply, version: HTTPVersion, context: ChannelHandlerContext) {
        answered = true
        deadline?.cancel()
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/vnd.schemaregistry.v1+json")
        headers.add(name: "Content-Length", value: String(reply.body.utf8.count))
        headers.add(name: "Connection", value: "close")
        let status = HTTPResponseStatus(statusCode: reply.status)
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))),
            promise: nil
        )
        context.write(
            wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: reply.body)))),
            promise: nil
        )
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
