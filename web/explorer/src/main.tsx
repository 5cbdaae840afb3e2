/**
 * The explorer's web application: a banner when something it reads is unreachable, the navigation, and
 * the router, which draws the page for the URL (src/pages/) or the not-found page.
 */
import { render } from "preact";
import { LocationProvider, Route, Router, useLocation, useRoute } from "preact-iso";
import type { FunctionComponent } from "preact";
import { NotFound } from "./components";
import { useLive } from "./live";
import { NAV, PAGES } from "./pages";
import "./styles.css";

/** What is unreachable now, in words; nothing when all is well. */
function Banner() {
  const { connected, status } = useLive();
  const problems: string[] = [];
  if (!connected) problems.push("The explorer's server does not answer: retrying…");
  else if (status) {
    if (!status.node.up)
      problems.push(`Layer 1 (${status.node.url}) does not answer: ${status.node.problem ?? ""}`);
    else if (status.deployment?.problem)
      problems.push(`The deployment record is not on this chain: ${status.deployment.problem}`);
    else if (!status.deployment && status.deploymentProblem) problems.push(status.deploymentProblem);
    for (const s of status.services) {
      if (!s.up && (s.expected || s.seen)) problems.push(`The ${s.name} (${s.url}) is unreachable.`);
    }
  }
  if (problems.length === 0) return null;
  return (
    <div class="banner" role="alert" data-testid="banner">
      {problems.map((p) => (
        <div>{p}</div>
      ))}
    </div>
  );
}

function Nav() {
  const { status } = useLive();
  const { path: url } = useLocation();
  return (
    <nav>
      <a class="brand" href="/">
        Strata
      </a>
      {NAV.map((item) => (
        <a
          href={item.href}
          class={(item.href === "/" ? url === "/" : url.startsWith(item.href)) ? "active" : undefined}
        >
          {item.title}
        </a>
      ))}
      <span class="head" data-testid="nav-head">
        {status?.head ? `block ${status.head.number}` : "no head"}
      </span>
    </nav>
  );
}

/** A page of src/pages/ given its route's parameters. */
function routed(component: FunctionComponent<{ params: Record<string, string> }>): FunctionComponent {
  const Component = component;
  return () => <Component params={useRoute().params} />;
}

const ROUTES = PAGES.map((page) => ({ path: page.path, component: routed(page.component) }));

function App() {
  return (
    <LocationProvider>
      <Banner />
      <Nav />
      <main>
        <Router>
          {ROUTES.map((r) => (
            <Route path={r.path} component={r.component} />
          ))}
          <Route default component={() => <NotFound />} />
        </Router>
      </main>
    </LocationProvider>
  );
}

render(<App />, document.getElementById("app")!);
