"""index.html in a real browser (headless Chromium): no console errors, every image loads with a
non-zero size, the answer table is on the first screen (1366x768), and a screenshot of that
screen is written for people to look at.

    report_browser_test.py INTERPBENCH RUN_JSON SCREENSHOT_PNG

Exit 77 (ctest: skipped) where Chromium is not installed (scripts/setup installs it)."""
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

WIDTH, HEIGHT = 1366, 768
SKIP = 77

# Runs first in <head>: records errors (script errors, and resources that fail to load: the
# capture phase sees an <img>'s error event), then after load writes what it saw into the page.
PROBE = """<script>
window.__errors = [];
window.addEventListener('error', e => __errors.push(e.message || ('failed to load ' +
  (e.target && (e.target.src || e.target.href)))), true);
const __consoleError = console.error;
console.error = (...a) => { __errors.push(a.join(' ')); __consoleError(...a); };
window.addEventListener('load', () => {
  const images = [...document.images].map(i => ({src: i.getAttribute('src'), width: i.naturalWidth,
                                                height: i.naturalHeight, complete: i.complete}));
  const a = document.getElementById('answer');
  const r = a ? a.getBoundingClientRect() : null;
  const out = document.createElement('pre');
  out.id = '__probe';
  out.textContent = JSON.stringify({errors: __errors, images: images, viewport: [innerWidth, innerHeight],
                                    answer: r ? {top: r.top, height: r.height} : null});
  document.body.appendChild(out);
});
</script>"""


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def browse(browser, profile, args, timeout=90):
    """Runs headless Chromium in its own process group; the group is killed whatever happens."""
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}"] + args
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        out, err = b"", b"timed out"
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
    return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def main(interpbench, run_json, screenshot):
    browser = chromium()
    if not browser:
        print("skipped: no chromium (scripts/setup installs Debian's chromium)")
        return SKIP
    failures = []
    with tempfile.TemporaryDirectory(prefix="report-browser-") as tmp:
        out_dir = os.path.join(tmp, "report")
        r = subprocess.run([interpbench, "report", run_json, "--out", out_dir, "--format", "md"],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            print(f"interpbench report failed ({r.returncode}): {r.stderr}")
            return 1
        index = os.path.join(out_dir, "index.html")
        with open(index, encoding="utf-8") as f:
            page = f.read()
        probe = os.path.join(out_dir, "probe.html")  # beside index.html: the same relative links
        with open(probe, "w", encoding="utf-8") as f:
            f.write(page.replace("<head>", "<head>" + PROBE, 1))
        profile = os.path.join(tmp, "profile")
        dom, log = browse(browser, profile, ["--virtual-time-budget=20000", "--dump-dom",
                                             "file://" + probe])
        m = re.search(r'<pre id="__probe">(.*?)</pre>', dom, re.S)
        if not m:
            print(f"the page never finished loading; chromium said: {log[-2000:]}")
            return 1
        seen = json.loads(html.unescape(m.group(1)))
        failures += [f"console error: {e}" for e in seen["errors"]]
        if not seen["images"]:
            failures.append("no images in index.html")
        for img in seen["images"]:
            if not img["complete"] or img["width"] == 0 or img["height"] == 0:
                failures.append(f"image did not load: {img['src']}")
        # A 1366x768 window: its page area (innerHeight) is what a reader sees first.
        first_screen = seen["viewport"][1]
        answer = seen["answer"]
        if answer is None:
            failures.append("no element with id 'answer' (the answer table)")
        elif answer["top"] + 40 > first_screen or answer["height"] <= 0:
            failures.append(f"the answer table starts at y = {answer['top']:.0f} px: its first rows "
                            f"are not on the first screen ({first_screen} px of a {WIDTH}x{HEIGHT} window)")
        _, log = browse(browser, profile, [f"--screenshot={os.path.abspath(screenshot)}",
                                           "file://" + index])
        if not os.path.exists(screenshot) or os.path.getsize(screenshot) == 0:
            failures.append(f"no screenshot written to {screenshot}: {log[-500:]}")
    for f in failures:
        print(f)
    if not failures:
        print(f"ok: {len(seen['images'])} images loaded, answer table at y = {answer['top']:.0f} px "
              f"of {seen['viewport'][1]}, screenshot {screenshot}")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
