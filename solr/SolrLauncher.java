import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.solr.core.CoreContainer;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * Serves a real HTTP Solr (context /solr) on 127.0.0.1 from a solr home, for development
 * and tests. Usage: SolrLauncher SOLR_HOME PORT [CORE...]
 * (no core: a SolrCloud node, started with -DzkHost, whose replicas come from the collection)
 *
 * JettySolrRunner.start() succeeds even when a core fails to load, so every expected core
 * is checked here and the process exits non-zero (3) naming the core and its error.
 */
public class SolrLauncher {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: SolrLauncher SOLR_HOME PORT [CORE...]");
            System.exit(2);
        }
        String home = args[0];
        int port = Integer.parseInt(args[1]);
        List<String> expected = new ArrayList<>();
        for (int i = 2; i < args.length; i++) expected.add(args[i]);

        JettyConfig config = JettyConfig.builder()
                .setPort(port)
                .setContext("/solr")
                .stopAtShutdown(true)
                .build();
        JettySolrRunner runner = new JettySolrRunner(home, config);
        try {
            runner.start();
        } catch (Exception e) {
            System.err.println("solr: cannot start on 127.0.0.1:" + port + ": " + rootMessage(e));
            System.exit(4);
        }
        if (runner.getLocalPort() != port) {
            System.err.println("solr: bound to port " + runner.getLocalPort() + " instead of " + port);
            runner.stop();
            System.exit(4);
        }

        CoreContainer cores = runner.getCoreContainer();
        boolean failed = false;
        for (Map.Entry<String, CoreContainer.CoreLoadFailure> f : cores.getCoreInitFailures().entrySet()) {
            System.err.println("solr: core '" + f.getKey() + "' failed to load: " + rootMessage(f.getValue().exception));
            failed = true;
        }
        List<String> loaded = cores.getLoadedCoreNames();
        for (String name : expected) {
            if (!loaded.contains(name)) {
                System.err.println("solr: core '" + name + "' is not loaded (loaded: " + loaded + ")");
                failed = true;
            }
        }
        if (failed) {
            runner.stop();
            System.exit(3);
        }
        System.out.println("solr: ready on http://127.0.0.1:" + port + "/solr with cores " + loaded);
        System.out.flush();
        Thread.currentThread().join();
    }

    private static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder(String.valueOf(t));
        Throwable cause = t.getCause();
        while (cause != null && cause != t) {
            sb.append(" <- ").append(cause);
            t = cause;
            cause = t.getCause();
        }
        return sb.toString();
    }
}
