// report: on a synthetic run with data for every plot, on a real quick-suite run, and on a run
// with no results, `interpbench report` writes every plot as a valid PNG and SVG, an index.html
// and report.md that link only to files that exist, and says where a plot has no data.
#include "reports/report_command.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "platform/child_process.h"
#include "reports/console_report.h"
#include "reports/export.h"
#include "reports/json_report.h"
#include "core/human_units.h"
#include "reports/python_label.h"
#include "reports/shared_gil.h"
#include "core/errors.h"
#include "tests/report_fixture.h"

namespace interpbench {
namespace {

namespace fs = std::filesystem;

// The running test's name as one path component: a parameterized test is named "Name/0", and
// the '/' would make a nested directory whose parent outlives the test's cleanup.
std::string file_name_of_test() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (char& c : name)
    if (c == '/') c = '_';
  return name;
}

const char* kPlots[] = {"round_trip", "throughput", "objects",  "startup",
                        "memory",     "scaling",    "crossover", "applications"};

fs::path fixture(const char* name) {
  return fs::path(INTERPBENCH_SOURCE_DIR) / "tests" / "fixtures" / name;
}

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The synthetic run as if made with another Python: environment, rows, and the subinterp row's
// GIL as that Python has it (3.11: one shared GIL).
nlohmann::json synthetic_run_on(const std::string& version) {
  auto doc = nlohmann::json::parse(read(fixture("report_synthetic.json")));
  auto& ib = doc["interpbench"];
  ib["environment"]["python"]["version_info"] = version;
  ib["environment"]["python"]["per_interpreter_gil"] = version.rfind("3.11", 0) != 0;
  for (auto& row : ib["rows"]) {
    row["python"] = version;
    if (row["row"] == "subinterp") row["gil"] = version.rfind("3.11", 0) == 0 ? "shared" : "own";
  }
  return doc;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(plot_python())) GTEST_SKIP() << plot_python() << " missing (scripts/setup)";
    dir_ = fs::temp_directory_path() /
           ("interpbench-report-test-" + std::to_string(getpid()) + "-" +
            file_name_of_test());
    root_ = dir_;
    fs::remove_all(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);  // dir_ may have moved into a subdirectory of it
  }

  // Every plot file exists; PNGs start with the PNG signature; SVGs parse as XML.
  void expect_plots() {
    std::vector<std::string> svgs;
    for (const char* plot : kPlots) {
      const auto png = read(dir_ / (std::string(plot) + ".png"));
      EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << plot;
      const auto svg = dir_ / (std::string(plot) + ".svg");
      ASSERT_TRUE(fs::exists(svg)) << svg;
      svgs.push_back(svg.string());
    }
    SpawnOptions o;
    o.executable = plot_python();
    o.args = {"-c", "import sys, xml.etree.ElementTree as E\nfor f in sys.argv[1:]:\n"
                    "    assert E.parse(f).getroot().tag.endswith('svg'), f\n"};
    o.args.insert(o.args.end(), svgs.begin(), svgs.end());
    ChildProcess check(o);
    const auto status = check.wait(Deadline::after(std::chrono::seconds(60)));
    ASSERT_TRUE(status) << "SVG check timed out";
    EXPECT_TRUE(status->success()) << check.stderr_tail();
  }

  // Every relative link of the document names a file in the report directory.
  void expect_links_exist(const fs::path& doc, const std::regex& link) {
    const auto text = read(doc);
    std::set<std::string> targets;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), link);
         it != std::sregex_iterator(); ++it)
      targets.insert((*it)[1].str());
    EXPECT_GE(targets.size(), 14u) << doc;  // 7 plots x (PNG + SVG)
    for (const auto& t : targets) {
      EXPECT_EQ(t.find("://"), std::string::npos) << doc << " links outside: " << t;
      EXPECT_TRUE(fs::exists(dir_ / t)) << doc << " links to missing " << t;
    }
  }

  void expect_complete_report() {
    expect_plots();
    expect_links_exist(dir_ / "index.html", std::regex(R"((?:href|src)='([^'#]+)')"));
    expect_links_exist(dir_ / "report.md", std::regex(R"(\]\(([^)#]+)\))"));
    EXPECT_TRUE(fs::exists(dir_ / "results.csv"));
  }

  fs::path dir_, root_;  // root_: what SetUp made, removed whole by TearDown
};

TEST_F(ReportTest, SyntheticRunProducesEveryPlotAndLinksOnlyExistingFiles) {
  std::ostringstream out;
  ReportOptions o{{fixture("report_synthetic.json").string()}, dir_.string()};
  EXPECT_EQ(run_report(o, out), 0);
  EXPECT_NE(out.str().find("index.html"), std::string::npos);
  expect_complete_report();
  const auto html = read(dir_ / "index.html");
  EXPECT_EQ(html.find("No data for"), std::string::npos);
  // The verdict and the run's warnings are at the top, before the plots.
  const auto plots_at = html.find("<h2>Plots</h2>");
  EXPECT_LT(html.find("Verdict"), plots_at);
  EXPECT_LT(html.find("virtual machine detected"), plots_at);
  EXPECT_LT(html.find("killed by SIGSEGV"), plots_at);
  // The crossover map's legend names the rows it compared that won no cell, and no winner so.
  const auto crossover = read(dir_ / "crossover.svg");
  EXPECT_NE(crossover.find("py-threading: won no cell"), std::string::npos);
  EXPECT_EQ(crossover.find("subinterp: won no cell"), std::string::npos);
}

TEST_F(ReportTest, RealQuickSuiteRunAndTwoRunsOverlaid) {
  const auto quick = fixture("report_quick.json");
  if (!fs::exists(quick)) GTEST_SKIP() << "no " << quick;
  std::ostringstream out;
  ReportOptions o{{quick.string(), fixture("report_synthetic.json").string()}, dir_.string()};
  o.format = "md";
  EXPECT_EQ(run_report(o, out), 0);
  EXPECT_EQ(out.str(), read(dir_ / "report.md"));
  expect_complete_report();
}

TEST_F(ReportTest, RunsOfThreePythonsMakeOneReportWithRowsLabelledByVersion) {
  fs::create_directories(dir_);
  std::vector<std::string> inputs;
  for (const char* v : {"3.11.7", "3.12.1", "3.13.0"}) {
    inputs.push_back((dir_ / (std::string("run-py") + v + ".json")).string());
    std::ofstream(inputs.back()) << synthetic_run_on(v).dump();
  }
  std::ostringstream out;
  ReportOptions o{inputs, (dir_ / "r").string()};
  o.format = "table";
  EXPECT_EQ(run_report(o, out), 0);
  // A line per row and Python in each workload's table; with -v, a block per result too.
  EXPECT_NE(out.str().find("\n  subinterp · 3.12 "), std::string::npos);
  EXPECT_EQ(out.str().find("[subinterp · 3.12]"), std::string::npos);
  std::ostringstream verbose_out;
  o.verbose = true;
  EXPECT_EQ(run_report(o, verbose_out), 0);
  EXPECT_NE(verbose_out.str().find("[subinterp · 3.12]"), std::string::npos);
  dir_ /= "r";
  expect_complete_report();
  const auto md = read(dir_ / "report.md");
  EXPECT_NE(md.find("| subinterp · 3.11 (shared GIL: Python 3.11) | all | pingpong/8 |"), std::string::npos);
  EXPECT_NE(md.find("| subinterp · 3.12 | all | pingpong/8 |"), std::string::npos);
  EXPECT_NE(md.find("| py-interpreters · 3.13 | all | pingpong/8 |"), std::string::npos);
  // Each Python's environment, side by side.
  EXPECT_NE(md.find("| | Python 3.11.7 | Python 3.12.1 | Python 3.13.0 |"), std::string::npos);
  EXPECT_NE(md.find("| per-interpreter GIL (PEP 684) | no: the subinterp row shares one GIL | yes | yes |"),
            std::string::npos);
  const auto csv = read(dir_ / "results.csv");
  EXPECT_NE(csv.find(",subinterp · 3.12,all,pingpong/8,"), std::string::npos);
  // The legends of the plots name the Python too.
  EXPECT_NE(read(dir_ / "round_trip.svg").find("subinterp · 3.13"), std::string::npos);
  EXPECT_NE(read(dir_ / "index.html").find("<td>subinterp · 3.12</td>"), std::string::npos);
}

// The script derives no label, unit or figure: report.md shows, for every result of every run,
// the row name and figures that C++ writes (row_display_name, format_value).
TEST_F(ReportTest, MarkdownShowsTheLabelsAndFiguresThatCppWrites) {
  fs::create_directories(dir_);
  std::vector<nlohmann::json> runs;
  std::vector<std::string> inputs;
  for (const char* v : {"3.11.7", "3.13.0"}) {
    runs.push_back(synthetic_run_on(v));
    inputs.push_back((dir_ / (std::string("run-py") + v + ".json")).string());
    std::ofstream(inputs.back()) << runs.back().dump();
  }
  std::ostringstream out;
  ASSERT_EQ(run_report({inputs, (dir_ / "r").string()}, out), 0);
  const auto md = read(dir_ / "r" / "report.md");
  const auto labels = python_labels({&runs[0], &runs[1]});
  std::size_t checked = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    label_rows(runs[i], labels[i]);
    for (const auto& row : runs[i]["interpbench"]["rows"])
      for (const auto& r : row["results"]) {
        const auto& s = r["summary"];
        const std::string unit = r["unit"];
        const auto line = fmt::format(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |", row_display_name(row),
            row["workload"].get<std::string>(), r["name"].get<std::string>(),
            r["metric"].get<std::string>(), s["n"].dump(), format_value(s["mean"], unit),
            format_value(s["stddev"], unit), format_value(s["median"], unit),
            format_value(s["p99"], unit));
        EXPECT_NE(md.find(line), std::string::npos) << line;
        ++checked;
      }
  }
  EXPECT_GT(checked, 100u);
  EXPECT_NE(md.find("subinterp · 3.11 (shared GIL: Python 3.11)"), std::string::npos);
}

// The plots hold the data: round_trip.svg and throughput.svg have one series per row of the run
// (gid "series:<row>"), each with one marker per message size measured.
TEST_F(ReportTest, SizeAndScalingPlotsHoldOneSeriesPerRowWithAPointPerVariant) {
  std::ostringstream out;
  ASSERT_EQ(run_report({{fixture("report_synthetic.json").string()}, dir_.string()}, out), 0);
  const auto doc = nlohmann::json::parse(read(fixture("report_synthetic.json")));
  // scaling: a point per worker count (speedup over N = 1) on every row that measured N = 1.
  for (const auto& [plot, metric] : {std::pair{"round_trip", "round_trip"},
                                     std::pair{"throughput", "throughput"},
                                     std::pair{"scaling", "wall"}}) {
    std::map<std::string, int> expected;  // row -> sizes measured
    for (const auto& row : doc["interpbench"]["rows"])
      for (const auto& r : row["results"])
        if (r["metric"] == metric) ++expected["series:" + row_display_name(row)];
    ASSERT_FALSE(expected.empty()) << "the fixture has no " << metric << " results";
    SpawnOptions o;
    o.executable = plot_python();
    o.args = {"-c", "import sys, xml.etree.ElementTree as E\n"
                    "for g in E.parse(sys.argv[1]).iter('{http://www.w3.org/2000/svg}g'):\n"
                    "    if g.get('id', '').startswith('series:'):\n"
                    "        n = sum(1 for u in g.iter('{http://www.w3.org/2000/svg}use'))\n"
                    "        print(f\"{g.get('id')}\\t{n}\")\n",
              (dir_ / (std::string(plot) + ".svg")).string()};
    o.stdout_mode = SpawnOptions::Output::kCapture;
    ChildProcess check(o);
    const auto status = check.wait(Deadline::after(std::chrono::seconds(60)));
    ASSERT_TRUE(status && status->success()) << check.stderr_tail();
    std::map<std::string, int> found;
    std::istringstream lines(check.captured_stdout());
    for (std::string line; std::getline(lines, line);)
      found[line.substr(0, line.find('\t'))] = std::stoi(line.substr(line.find('\t') + 1));
    EXPECT_EQ(found, expected) << plot;
  }
}

// report.md is read as Markdown (rendered as HTML) and in terminals: text from a run shows as
// text there, neither markup nor an escape sequence.
TEST_F(ReportTest, MarkdownShowsHtmlAndControlCharactersAsText) {
  auto doc = nlohmann::json::parse(read(fixture("report_synthetic.json")));
  doc["interpbench"]["warnings"] = {"<script>alert(1)</script> & \x1b[31mred"};
  fs::create_directories(dir_);
  const auto input = dir_ / "markup.json";
  std::ofstream(input) << doc.dump();
  std::ostringstream out;
  ASSERT_EQ(run_report({{input.string()}, (dir_ / "r").string()}, out), 0);
  const auto md = read(dir_ / "r" / "report.md");
  EXPECT_NE(md.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; \\x1b[31mred"), std::string::npos);
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_EQ(md.find('\x1b'), std::string::npos);
  EXPECT_EQ(read(dir_ / "r" / "index.html").find("<script>alert"), std::string::npos);
}

TEST_F(ReportTest, RunWithoutResultsStillWritesEveryPlotAndSaysSo) {
  auto doc = nlohmann::json::parse(read(fixture("report_synthetic.json")));
  for (auto& row : doc["interpbench"]["rows"]) row["results"] = nlohmann::json::array();
  fs::create_directories(dir_);
  const auto empty = dir_ / "empty.json";
  std::ofstream(empty) << doc.dump();
  std::ostringstream out;
  EXPECT_EQ(run_report({{empty.string()}, (dir_ / "r").string()}, out), 0);
  dir_ /= "r";
  expect_plots();
  const auto html = read(dir_ / "index.html");
  for (const char* what : {"round trips", "throughput", "object-graph costs", "startup",
                           "memory", "scaling", "the task farm", "applications"})
    EXPECT_NE(html.find(std::string("No data for ") + what), std::string::npos) << what;
}

TEST_F(ReportTest, ExtcompatRunShowsTheModuleMatrixInHtmlAndMarkdown) {
  fs::create_directories(dir_);
  const auto run = dir_ / "extcompat.json";
  std::ofstream(run) << make_json_report(fixture::extcompat_run()).dump();
  std::ostringstream out;
  EXPECT_EQ(run_report({{run.string()}, (dir_ / "r").string()}, out), 0);
  const auto md = read(dir_ / "r" / "report.md");
  EXPECT_NE(md.find("| module | subinterp | subprocess |"), std::string::npos) << md;
  EXPECT_NE(md.find("| **_curses** | ImportError | ok |"), std::string::npos) << md;
  EXPECT_NE(md.find("| fx_crash | crash: SIGSEGV | crash: SIGSEGV |"), std::string::npos) << md;
  EXPECT_NE(md.find("- ok on every row (1): _decimal"), std::string::npos) << md;
  EXPECT_EQ(md.find("| extcompat/_decimal |"), std::string::npos) << "outcomes are not timings";
  const auto html = read(dir_ / "r" / "index.html");
  EXPECT_NE(html.find("<tr class=diff><td>_curses</td><td class=bad"), std::string::npos);
  // --format md and csv: the outcome where a timing's metric would be, and a status column.
  const auto doc = make_json_report(fixture::extcompat_run());
  EXPECT_NE(export_md(doc).find("| extcompat/_curses | import: ImportError |"), std::string::npos);
  EXPECT_NE(export_csv(doc).find(",own,,import_error\r\n"), std::string::npos) << export_csv(doc);
}

TEST_F(ReportTest, BadInputNamesTheFileAndWritesNothing) {
  fs::create_directories(dir_);
  const auto bad = dir_ / "bad.json";
  std::ofstream(bad) << "{\"benchmarks\": [";
  std::ostringstream out;
  try {
    run_report({{bad.string()}, (dir_ / "r").string()}, out);
    ADD_FAILURE() << "no BadInput";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find(bad.string()), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "r"));
  EXPECT_THROW(run_report({{fixture("report_synthetic.json").string()}, dir_.string(), "pdf"}, out),
               BadInput);
}

// Drawing fails half way (here: a "Python" that writes one plot and exits 1): no partial
// directory, no staging directory, and an existing report directory keeps its old files.
TEST_F(ReportTest, AFailedDrawingLeavesNoPartialDirectory) {
  fs::create_directories(dir_);
  const auto fake = dir_ / "fake-python";
  std::ofstream(fake) << "#!/bin/sh\n: > \"$4/round_trip.png\"\necho 'image 69410 px too large' >&2\nexit 1\n";
  fs::permissions(fake, fs::perms::owner_all);
  ::setenv("INTERPBENCH_PLOT_PYTHON", fake.c_str(), 1);
  std::ostringstream out;
  EXPECT_THROW(run_report({{fixture("report_synthetic.json").string()}, (dir_ / "r").string()}, out),
               RunFailed);
  EXPECT_FALSE(fs::exists(dir_ / "r"));
  fs::create_directories(dir_ / "old");
  std::ofstream(dir_ / "old" / "index.html") << "old";
  EXPECT_THROW(run_report({{fixture("report_synthetic.json").string()}, (dir_ / "old").string()}, out),
               RunFailed);
  ::unsetenv("INTERPBENCH_PLOT_PYTHON");
  EXPECT_EQ(read(dir_ / "old" / "index.html"), "old");
  EXPECT_FALSE(fs::exists(dir_ / "old" / "round_trip.png"));
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename().string().find(".partial"), std::string::npos) << e.path();
  // A good report into the existing directory replaces its files.
  ASSERT_EQ(run_report({{fixture("report_synthetic.json").string()}, (dir_ / "old").string()}, out), 0);
  EXPECT_NE(read(dir_ / "old" / "index.html"), "old");
}

// A run of thousands of rows: the plots show its first rows and say so; the tables hold all.
TEST_F(ReportTest, ARunWithManyRowsGetsCappedPlotsWithANote) {
  auto doc = nlohmann::json::parse(read(fixture("report_synthetic.json")));
  auto& rows = doc["interpbench"]["rows"];
  const nlohmann::json first = rows.at(0);
  for (int i = 0; i < 70; ++i) {
    auto row = first;
    row["row"] = "extra-" + std::to_string(i);
    for (auto& r : row["results"]) r["benchmark_name"] = r["benchmark_name"].get<std::string>() + "-" + std::to_string(i);
    rows.push_back(std::move(row));
  }
  fs::create_directories(dir_);
  const auto input = dir_ / "many.json";
  std::ofstream(input) << doc.dump();
  std::ostringstream out;
  ASSERT_EQ(run_report({{input.string()}, (dir_ / "r").string()}, out), 0);
  const std::size_t total = doc["interpbench"]["rows"].size();
  const auto html = read(dir_ / "r" / "index.html");
  EXPECT_NE(html.find("the plots show the first 40 of the"), std::string::npos);
  const auto svg = read(dir_ / "r" / "round_trip.svg");
  std::size_t series = 0;
  for (auto at = svg.find("id=\"series:"); at != std::string::npos; at = svg.find("id=\"series:", at + 1)) ++series;
  EXPECT_GT(series, 0u);
  EXPECT_LE(series, 40u);
  EXPECT_NE(html.find("extra-69"), std::string::npos) << "the tables keep every row (" << total << ")";
}

TEST(PythonLabelTest, RunsOfDifferentPythonsAreLabelledByMajorMinor) {
  const auto a = synthetic_run_on("3.11.7"), b = synthetic_run_on("3.12.1"), c = synthetic_run_on("3.13.0");
  EXPECT_EQ(python_labels({&a, &b, &c}), (std::vector<std::string>{"3.11", "3.12", "3.13"}));
  EXPECT_EQ(run_python_version(c), "3.13.0");
}

TEST(PythonLabelTest, RunsOfOnePythonAreNotLabelled) {
  const auto a = synthetic_run_on("3.13.0"), b = synthetic_run_on("3.13.0");
  EXPECT_EQ(python_labels({&a, &b}), (std::vector<std::string>{"", ""}));
  EXPECT_EQ(python_labels({&a}), (std::vector<std::string>{""}));
}

TEST(PythonLabelTest, TwoPatchVersionsOfOneMinorGetFullVersions) {
  const auto a = synthetic_run_on("3.12.1"), b = synthetic_run_on("3.12.4"), c = synthetic_run_on("3.13.0");
  EXPECT_EQ(python_labels({&a, &b, &c}), (std::vector<std::string>{"3.12.1", "3.12.4", "3.13.0"}));
}

TEST(PythonLabelTest, FreeThreadedIsAnotherPython) {
  const auto a = synthetic_run_on("3.13.0");
  auto b = synthetic_run_on("3.13.0");
  b["interpbench"]["environment"]["python"]["gil_disabled"] = true;
  EXPECT_EQ(python_labels({&a, &b}), (std::vector<std::string>{"3.13", "3.13t"}));
}

TEST(PythonLabelTest, ARunThatDoesNotKnowItsPythonLeavesEveryRunUnlabelled) {
  const auto a = synthetic_run_on("3.12.1");
  auto b = synthetic_run_on("3.13.0");
  b["interpbench"]["environment"]["python"].erase("version_info");
  for (auto& row : b["interpbench"]["rows"]) row["python"] = nullptr;
  EXPECT_EQ(python_labels({&a, &b}), (std::vector<std::string>{"", ""}));
}

TEST(PythonLabelTest, MergedRunsKeepEveryRowLabelledAndEachVerdictUnderItsPython) {
  std::vector<nlohmann::json> runs{synthetic_run_on("3.11.7"), synthetic_run_on("3.13.0")};
  runs[1]["interpbench"]["targets"]["lines"] = {"Targets (goals not gates)", "  P1  round trip"};
  for (auto& run : runs)
    run["interpbench"]["answer"]["lines"] = {"The answer (this run's figures)", "  small messages  subinterp"};
  const auto merged = merge_runs(runs, {"3.11", "3.13"});
  const auto& rows = merged["interpbench"]["rows"];
  ASSERT_EQ(rows.size(), 2 * runs[0]["interpbench"]["rows"].size());
  EXPECT_EQ(rows.front()["python_label"], "3.11");
  EXPECT_EQ(rows.back()["python_label"], "3.13");
  EXPECT_EQ(merged["interpbench"]["environments"].size(), 2u);
  std::ostringstream out, err;
  print_console_report(merged, out, err, /*verbose=*/true);
  const std::string text = out.str();
  // The table: a line per row and Python, each ratio to the subinterp row of its Python.
  EXPECT_NE(text.find("\n  subinterp · 3.11 "), std::string::npos);
  EXPECT_NE(text.find("\n  subprocess · 3.13 "), std::string::npos);
  EXPECT_NE(text.find("pingpong/8 [subinterp · 3.11] (shared GIL: Python 3.11)"), std::string::npos);
  EXPECT_NE(text.find("pingpong/8 [subinterp · 3.13]\n"), std::string::npos);
  // One summary ranks the rows of both Pythons.
  EXPECT_NE(text.find("than subinterp · 3.11 (shared GIL: Python 3.11)"), std::string::npos);
  EXPECT_NE(text.find("Verdict, Python 3.11.7"), std::string::npos);
  EXPECT_NE(text.find("Verdict, Python 3.13.0"), std::string::npos);
  // Each run's answer under its Python, not the first run's for both.
  EXPECT_NE(text.find("The answer, Python 3.11.7"), std::string::npos);
  EXPECT_NE(text.find("The answer, Python 3.13.0"), std::string::npos);
  EXPECT_NE(text.find("Targets, Python 3.13.0 (goals not gates)\n  P1  round trip\n"), std::string::npos);
  EXPECT_LT(text.find("Verdict, Python 3.11.7"), text.find("Verdict, Python 3.13.0"));
  EXPECT_NE(err.str().find("warning: Python 3.13.0: "), std::string::npos);
}

TEST(ExportTest, CsvOfRunsOfDifferentPythonsLabelsEveryRow) {
  auto a = synthetic_run_on("3.11.7"), b = synthetic_run_on("3.13.0");
  label_rows(a, "3.11");
  label_rows(b, "3.13");
  const auto csv = export_csv({{"a.json", &a}, {"b.json", &b}});
  EXPECT_NE(csv.find("\r\na.json,subinterp · 3.11 (shared GIL: Python 3.11),all,pingpong/8,"), std::string::npos);
  EXPECT_NE(csv.find("\r\nb.json,subinterp · 3.13,all,pingpong/8,"), std::string::npos);
  EXPECT_NE(csv.find("\r\nb.json,floor · 3.13,"), std::string::npos);
  EXPECT_EQ(csv.find("\r\na.json,subinterp,"), std::string::npos);
}

TEST(ExportTest, CsvHasOneLinePerResultAndQuotesFields) {
  auto doc = nlohmann::json::parse(read(fixture("report_synthetic.json")));
  std::size_t results = 0;
  for (const auto& row : doc["interpbench"]["rows"]) results += row["results"].size();
  doc["interpbench"]["rows"][0]["results"][0]["name"] = "a,\"b\"";
  const auto csv = export_csv(doc);
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")), "row,workload,name,metric,unit,n,mean,stddev,median,p99,gil,config,status");
  std::size_t lines = 0;
  for (std::size_t at = 0; (at = csv.find("\r\n", at)) != std::string::npos; at += 2) ++lines;
  EXPECT_EQ(lines, results + 1);
  EXPECT_NE(csv.find("\"a,\"\"b\"\"\""), std::string::npos);
}

TEST(ExportTest, MarkdownHasATableRowPerResultAndListsFailedRows) {
  const auto doc = nlohmann::json::parse(read(fixture("report_synthetic.json")));
  const auto md = export_md(doc);
  EXPECT_EQ(md.rfind("| row | workload | name | metric | n | mean | σ | median | p99 |", 0), 0u);
  EXPECT_NE(md.find("| subinterp | all | pingpong/8 | round_trip |"), std::string::npos);
  EXPECT_NE(md.find("killed by SIGSEGV"), std::string::npos);
}

}  // namespace
}  // namespace interpbench
