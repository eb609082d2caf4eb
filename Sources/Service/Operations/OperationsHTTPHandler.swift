import NIOCore
import NIOHTTP1

/// One connection of the operations endpoint: reads one request, answers it, closes.
///
/// The request deadline starts when the handler is added (at accept) and is cancelled only by the
/// answer, so a client that trickles its request slowly is closed when it passes, like one that
/// sends nothing.
final class OperationsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let content: OperationsServer.Content
    private let requestTimeout: TimeAmount
    private var head: HTTPRequestHead?
    private var deadline: Scheduled<Void>?

    init(content: OperationsServer.Content, requestTimeout: TimeAmount) {
        self.content = content
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
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break  // a GET has none worth reading; the deadline bounds what is sent
        case .end:
            guard let head else { return }
            self.head = nil
            deadline?.cancel()
            respond(to: head, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let reply = Self.reply(method: head.method, uri: head.uri, content: content)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: reply.type)
        headers.add(name: "Content-Length", value: String(reply.body.utf8.count))
        headers.add(name: "Connection", value: "close")
        let response = HTTPResponseHead(version: head.version, status: reply.status, headers: headers)
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        if head.method != .HEAD {
            let body = context.channel.allocator.buffer(string: reply.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    /// The status, content type and body for a request: the paths and texts the endpoint has
    /// always served.
    static func reply(
        method: HTTPMethod,
        uri: String,
        content: OperationsServer.Content
    ) -> (status: HTTPResponseStatus, type: String, body: String) {
        guard method == .GET || method == .HEAD else { return (.methodNotAllowed, "text/plain", "only GET\n") }
        switch uri.split(separator: "?", omittingEmptySubsequences: false).first.map(String.init) ?? "" {
        case "/metrics": return (.ok, "text/plain; version=0.0.4; charset=utf-8", content.metrics())
        case "/healthz": return (.ok, "text/plain", "ok\n")
        case "/readyz":
            let reasons = content.notReady()
            return reasons.isEmpty
                ? (.ok, "text/plain", "ready\n")
                : (.serviceUnavailable, "text/plain", reasons.map { "not ready: \($0)\n" }.joined())
        default: return (.notFound, "text/plain", "not found: /metrics, /healthz, /readyz\n")
        }
    }
}
