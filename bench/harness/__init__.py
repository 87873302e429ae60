"""Real processes the benchmarks and the tests both drive: a server, a cluster, a browser on
the staff pages, an OTLP receiver. Shipped with bench/, so `omni bench` runs from an installed
package; tests import it from here, never the reverse."""
