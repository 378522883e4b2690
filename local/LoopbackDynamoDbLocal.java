/*
 * DynamoDB Local on 127.0.0.1 only. Its command line has no host option: ServerRunner builds a
 * DynamoDBProxyServer around a Jetty Server made with `new Server(port)`, whose one connector
 * listens on every interface. This launcher (run by `java` as a single-file source program, see
 * local/dynamodb-local.ts) builds the same server from the same arguments, binds that connector to
 * the loopback address before it starts, then runs it as ServerRunner does.
 */
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    if (proxy == null) System.exit(1); // bad arguments: ServerRunner printed why
    // The Jetty server is a private field (jar 3.3.0); failing here is better than listening wide.
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    int bound = 0;
    for (Connector connector : jetty.getConnectors()) {
      if (connector instanceof ServerConnector serverConnector) {
        serverConnector.setHost("127.0.0.1");
        bound++;
      }
    }
    if (bound == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind to 127.0.0.1");
    proxy.start();
    proxy.join();
  }
}
