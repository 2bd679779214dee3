package com.fmawsss.api;

import jakarta.annotation.PreDestroy;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Notices when the client of a synchronous request goes away while its work runs, so the work can
 * stop instead of occupying the device for an answer nobody reads.
 *
 * <p>Why this exists: Tomcat does not watch a connection while a request is in asynchronous mode
 * (it learns of a closed connection only when it writes the answer), and a servlet application has
 * no API for it. So the watcher registers the request's socket channel with a selector of its own
 * and checks it when it becomes readable: no bytes available then means the client closed its end
 * (end of stream). Bytes available would be a pipelined request; the watch then ends and the
 * request runs on. The channel is found through Tomcat's classes by reflection; where that fails
 * (another servlet container, a Tomcat whose internals moved) watching is off, with one warning in
 * the log, and requests simply run to the end as before.
 */
@Component
public class ClientDisconnects {

    private static final Logger LOG = LoggerFactory.getLogger(ClientDisconnects.class);

    /** An active watch; closing it (when the answer is ready) stops watching. */
    @FunctionalInterface
    public interface Watch extends AutoCloseable {

        Watch NONE = () -> {};

        @Override
        void close();
    }

    private record Registration(SocketChannel channel, Consumer<String> onDisconnect, SelectionKey[] key) {}

    private final Selector selector;
    private final Queue<Runnable> changes = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean warned;

    public ClientDisconnects() throws IOException {
        this.selector = Selector.open();
        this.thread = new Thread(this::loop, "fma-client-disconnects");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Calls {@code onDisconnect} (on the watcher's thread, at most once) if the client of {@code
     * request} closes its connection before the watch is closed.
     */
    public Watch watch(ServletRequest request, Consumer<String> onDisconnect) {
        SocketChannel channel = channelOf(request);
        if (channel == null) {
            return Watch.NONE;
        }
        Registration registration = new Registration(channel, onDisconnect, new SelectionKey[1]);
        changes.add(() -> {
            try {
                registration.key()[0] = channel.register(selector, SelectionKey.OP_READ, registration);
            } catch (IOException | RuntimeException e) {
                // Closed meanwhile or not selectable: nothing to watch.
                LOG.debug("cannot watch a client connection: {}", e.toString());
            }
        });
        selector.wakeup();
        return () -> {
            changes.add(() -> {
                SelectionKey key = registration.key()[0];
                if (key != null) {
                    key.cancel();
                }
            });
            selector.wakeup();
        };
    }

    private void loop() {
        while (running) {
            try {
                selector.select(1_000);
                for (Runnable change; (change = changes.poll()) != null; ) {
                    change.run();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    check(key);
                }
                selector.selectedKeys().clear();
            } catch (IOException | RuntimeException e) {
                LOG.warn("client-disconnect watcher: {}", e.toString());
            }
        }
    }

    private void check(SelectionKey key) {
        Registration registration = (Registration) key.attachment();
        key.cancel();
        int available;
        try {
            available = registration.channel().socket().getInputStream().available();
        } catch (IOException e) {
            available = 0; // reset by the peer: gone as well
        }
        if (available == 0) {
            registration.onDisconnect().accept("the client closed the connection");
        }
    }

    /** Tomcat: RequestFacade.request → Request.getCoyoteRequest() → hook (the processor) → socket wrapper → NioChannel. */
    private SocketChannel channelOf(ServletRequest request) {
        try {
            ServletRequest unwrapped = request;
            while (unwrapped instanceof ServletRequestWrapper wrapper) {
                unwrapped = wrapper.getRequest();
            }
            Object connectorRequest = field(unwrapped, "request");
            Object coyoteRequest = connectorRequest.getClass().getMethod("getCoyoteRequest").invoke(connectorRequest);
            Object processor = field(coyoteRequest, "hook");
            Method wrapperGetter = method(processor.getClass(), "getSocketWrapper");
            Object socketWrapper = wrapperGetter.invoke(processor);
            Object nioChannel = socketWrapper.getClass().getMethod("getSocket").invoke(socketWrapper);
            Object channel = method(nioChannel.getClass(), "getIOChannel").invoke(nioChannel);
            return channel instanceof SocketChannel socket ? socket : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (!warned) {
                warned = true;
                LOG.warn("cannot watch client connections on this servlet container ({}); synchronous requests whose "
                        + "client goes away run to the end", e.toString());
            }
            return null;
        }
    }

    private static Object field(Object target, String name) throws ReflectiveOperationException {
        for (Class<?> type = target.getClass(); type != null; type = type.getSuperclass()) {
            try {
                Field field = type.getDeclaredField(name);
                field.setAccessible(true);
                return field.get(target);
            } catch (NoSuchFieldException e) {
                // try the superclass
            }
        }
        throw new NoSuchFieldException(name);
    }

    private static Method method(Class<?> type, String name) throws NoSuchMethodException {
        for (Class<?> t = type; t != null; t = t.getSuperclass()) {
            try {
                Method method = t.getDeclaredMethod(name);
                method.setAccessible(true);
                return method;
            } catch (NoSuchMethodException e) {
                // try the superclass
            }
        }
        throw new NoSuchMethodException(name);
    }

    @PreDestroy
    void close() throws IOException {
        running = false;
        selector.wakeup();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        selector.close();
    }
}
