// replay/trace_io: replay traces as CSV and JSONL, written byte for byte the same and read back
// strictly, with every refusal placed at path:line.
#include "replay/trace_io.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "trace_fixtures.hpp"
#include "unit_fixtures.hpp"

namespace chaird::sim {
namespace {

using unit::Contains;
using unit::expect_same_trace;
using unit::small_trace;

std::string csv_of(const ReplayTrace& trace) {
  std::ostringstream out;
  write_trace_csv(trace, out);
  return out.str();
}

std::string jsonl_of(const ReplayTrace& trace) {
  std::ostringstream out;
  write_trace_jsonl(trace, out);
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The text with its 1-based line number replaced.
std::string with_line(const std::string& text, std::size_t number, const std::string& line) {
  auto lines = lines_of(text);
  lines.at(number - 1) = line;
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

class TraceIo : public ::testing::Test {
 protected:
  std::string file(const std::string& name, const std::string& text) {
    return unit::write_file(dir_, name, text);
  }
  // The error read_trace gives for text in a file called name (a failure if it reads).
  std::string refusal(const std::string& name, const std::string& text) {
    const auto read = read_trace(file(name, text));
    if (read) {
      ADD_FAILURE() << name << " was read:\n" << text;
      return "";
    }
    return read.error();
  }

  std::string dir_ = test::make_temp_dir("trace_io");
};

TEST_F(TraceIo, CsvLooksAsDocumented) {
  EXPECT_EQ(csv_of(small_trace()),
            "# program,quick_relief\n"
            "# chair,reference-chair\n"
            "# end_ms,3500\n"
            "# actuator,roller.position,position,mm,roller,0,600\n"
            "# actuator,roller.speed,speed,rpm,roller,0,60\n"
            "# actuator,airbag.calf,pressure,kPa,airbags,0,40\n"
            "# actuator,heat.back,temperature,°C,heat,20,45.5\n"
            "chair_ms,actuator,commanded,measured,event,text\n"
            "0,,,,step_start,\"neck-knead: knead on neck\"\n"
            "0,roller.position,0.00,0.00,,\n"
            "0,roller.speed,0.00,0.00,,\n"
            "0,airbag.calf,0.00,0.00,,\n"
            "0,heat.back,20.00,20.00,,\n"
            "1200,airbag.calf,,,fault_injected,\"leaking: 3.00 kPa/s\"\n"
            "1200,roller.position,350.00,349.87,,\n"
            "1200,airbag.calf,12.00,11.50,,\n"
            "2500,roller.speed,30.00,29.25,,\n"
            "2500,airbag.calf,12.00,12.00,,\n"
            "3000,airbag.calf,,,trip,\"pressure 12.0 kPa held past its limit\"\n"
            "3000,,,,safe_state,\"every output going safe\"\n"
            "3000,roller.position,350.00,350.00,,\n"
            "3000,heat.back,38.50,24.75,,\n"
            "3400,airbag.calf,0.00,3.50,,\n"
            "3450,roller.speed,0.00,0.00,,\n"
            "3500,,,,end,\"\"\n");
}

TEST_F(TraceIo, JsonlLooksAsDocumented) {
  const auto lines = lines_of(jsonl_of(small_trace()));
  ASSERT_EQ(lines.size(), 18u);
  EXPECT_EQ(lines[0],
            R"({"program":"quick_relief","chair":"reference-chair","end_ms":3500,"actuators":[)"
            R"({"id":"roller.position","kind":"position","unit":"mm","group":"roller","min":0,)"
            R"("max":600},{"id":"roller.speed","kind":"speed","unit":"rpm","group":"roller",)"
            R"("min":0,"max":60},{"id":"airbag.calf","kind":"pressure","unit":"kPa",)"
            R"("group":"airbags","min":0,"max":40},{"id":"heat.back","kind":"temperature",)"
            R"("unit":"°C","group":"heat","min":20,"max":45.5}]})");
  EXPECT_EQ(
      lines[1],
      R"({"chair_ms":0,"event":"step_start","actuator":"","text":"neck-knead: knead on neck"})");
  EXPECT_EQ(lines[6], R"({"chair_ms":1200,"event":"fault_injected","actuator":"airbag.calf",)"
                      R"("text":"leaking: 3.00 kPa/s"})");
  EXPECT_EQ(
      lines[7],
      R"({"chair_ms":1200,"actuator":"roller.position","commanded":350.00,"measured":349.87})");
}

TEST_F(TraceIo, CsvRoundTripGivesTheSameTrace) {
  const auto read = read_trace(file("t.csv", csv_of(small_trace())));
  ASSERT_TRUE(read) << read.error();
  expect_same_trace(*read, small_trace());
}

TEST_F(TraceIo, JsonlRoundTripGivesTheSameTrace) {
  const auto read = read_trace(file("t.jsonl", jsonl_of(small_trace())));
  ASSERT_TRUE(read) << read.error();
  expect_same_trace(*read, small_trace());
}

TEST_F(TraceIo, WritesAreByteIdenticalAndSurviveARoundTrip) {
  const ReplayTrace trace = small_trace();
  EXPECT_EQ(csv_of(trace), csv_of(small_trace()));
  EXPECT_EQ(jsonl_of(trace), jsonl_of(small_trace()));
  const auto csv = read_trace(file("t.csv", csv_of(trace)));
  const auto jsonl = read_trace(file("t.jsonl", jsonl_of(trace)));
  ASSERT_TRUE(csv && jsonl);
  EXPECT_EQ(csv_of(*csv), csv_of(trace));
  EXPECT_EQ(jsonl_of(*jsonl), jsonl_of(trace));
  EXPECT_EQ(csv_of(*jsonl), csv_of(trace));  // either format reads back as the other
}

TEST_F(TraceIo, EventsComeFirstAtOneTimeAndRowsAreInTimeOrder) {
  ReplayTrace trace = small_trace();
  trace.events = {{1200, kEventFaultInjected, "airbag.calf", "late"},
                  {500, kEventStepStart, "", "appended early"}};
  const auto lines = lines_of(csv_of(trace));
  EXPECT_EQ(lines[12], "500,,,,step_start,\"appended early\"");
  EXPECT_EQ(lines[13], "1200,airbag.calf,,,fault_injected,\"late\"");
  EXPECT_EQ(lines[14], "1200,roller.position,350.00,349.87,,");
}

TEST_F(TraceIo, CsvTextIsOneQuotedLine) {
  ReplayTrace trace = small_trace();
  trace.events = {{10, kEventBoardFault, "", "say \"stop\",\r\nnow"}};
  const auto lines = lines_of(csv_of(trace));
  EXPECT_EQ(lines[12], "10,,,,board_fault,\"say \"\"stop\"\",  now\"");
  const auto read = read_trace(file("t.csv", csv_of(trace)));
  ASSERT_TRUE(read) << read.error();
  EXPECT_EQ(read->events.at(0).text, "say \"stop\",  now");
}

TEST_F(TraceIo, JsonEscapesQuotesBackslashesAndControlCharactersAndPassesUtf8) {
  ReplayTrace trace = small_trace();
  trace.events = {{10, kEventTrip, "", "a \"quote\", a \\ and \x01\n急 ✓"}};
  EXPECT_EQ(lines_of(jsonl_of(trace))[5],
            R"({"chair_ms":10,"event":"trip","actuator":"","text":"a \"quote\", a \\ and )"
            R"(\u0001\u000a急 ✓"})");
  const auto read = read_trace(file("t.jsonl", jsonl_of(trace)));
  ASSERT_TRUE(read) << read.error();
  EXPECT_EQ(read->events.at(0).text, trace.events[0].text);
}

TEST_F(TraceIo, AMalformedLineIsPlacedAtPathAndLine) {
  const std::string csv = file("bad.csv", with_line(csv_of(small_trace()), 11, "0;roller.speed"));
  const auto a = read_trace(csv);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().rfind(csv + ":11: expected ", 0), 0u) << a.error();

  const std::string jsonl =
      file("bad.jsonl", with_line(jsonl_of(small_trace()), 3, "{\"chair_ms\""));
  const auto b = read_trace(jsonl);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().rfind(jsonl + ":3: expected ", 0), 0u) << b.error();
}

TEST_F(TraceIo, ATruncatedLineIsRefused) {
  const std::string csv = csv_of(small_trace());
  const std::string cut_csv = csv.substr(0, csv.size() - 5);  // mid-way through the last row
  EXPECT_TRUE(Contains(refusal("cut.csv", cut_csv), ":25: expected a newline")) << cut_csv;
  // A row cut before its last columns, even with its newline.
  EXPECT_TRUE(Contains(refusal("short.csv", with_line(csv, 10, "0,roller.position,0.00")),
                       ":10: expected 6 columns"));

  const std::string jsonl = jsonl_of(small_trace());
  EXPECT_TRUE(Contains(refusal("cut.jsonl", jsonl.substr(0, jsonl.size() - 5)), ":18: expected"));
  EXPECT_TRUE(Contains(refusal("short.jsonl", with_line(jsonl, 3, R"({"chair_ms":0,"actuator":)")),
                       ":3: expected a value"));
}

TEST_F(TraceIo, ANonNumberIsRefused) {
  const std::string csv = csv_of(small_trace());
  EXPECT_TRUE(Contains(refusal("a.csv", with_line(csv, 10, "0,roller.position,0.00,abc,,")),
                       ":10: expected a finite number measured, got 'abc'"));
  EXPECT_TRUE(Contains(refusal("b.csv", with_line(csv, 10, "0x1,roller.position,0.00,0.00,,")),
                       ":10: expected an integer chair_ms"));
  EXPECT_TRUE(Contains(refusal("c.csv", with_line(csv, 10, "0,roller.position,nan,0.00,,")),
                       ":10: expected a finite number commanded"));
  EXPECT_TRUE(Contains(refusal("d.csv", with_line(csv, 3, "# end_ms,soon")),
                       ":3: expected an integer end_ms"));

  const std::string jsonl = jsonl_of(small_trace());
  EXPECT_TRUE(Contains(refusal("a.jsonl", with_line(jsonl, 3,
                                                    R"({"chair_ms":0,"actuator":"roller.position",)"
                                                    R"("commanded":"1","measured":0})")),
                       ":3: expected a finite number \"commanded\""));
  EXPECT_TRUE(
      Contains(refusal("b.jsonl", with_line(jsonl, 3,
                                            R"({"chair_ms":0.5,"actuator":"roller.position",)"
                                            R"("commanded":1,"measured":0})")),
               ":3: expected an integer \"chair_ms\""));
  EXPECT_TRUE(Contains(refusal("c.jsonl", with_line(jsonl, 3,
                                                    R"({"chair_ms":0,"actuator":"roller.position",)"
                                                    R"("commanded":1e999,"measured":0})")),
                       ":3: expected a finite number \"commanded\""));
}

TEST_F(TraceIo, AnUnknownActuatorIsRefused) {
  EXPECT_TRUE(
      Contains(refusal("a.csv", with_line(csv_of(small_trace()), 10, "0,roller.tilt,0.00,0.00,,")),
               ":10: expected an actuator listed in the header, got 'roller.tilt'"));
  EXPECT_TRUE(Contains(
      refusal("b.csv", with_line(csv_of(small_trace()), 14, "1200,seat,,,fault_injected,\"x\"")),
      ":14: expected an actuator listed in the header, got 'seat'"));
  EXPECT_TRUE(Contains(refusal("c.jsonl", with_line(jsonl_of(small_trace()), 3,
                                                    R"({"chair_ms":0,"actuator":"roller.tilt",)"
                                                    R"("commanded":0.00,"measured":0.00})")),
                       ":3: expected an actuator listed in the header, got 'roller.tilt'"));
}

TEST_F(TraceIo, RowsOutOfTimeOrderAndRepeatedHeadersAreRefused) {
  const std::string csv = csv_of(small_trace());
  EXPECT_TRUE(Contains(refusal("a.csv", with_line(csv, 17, "100,roller.speed,30.00,29.25,,")),
                       ":17: expected chair_ms of at least 1200"));
  EXPECT_TRUE(Contains(refusal("b.csv", with_line(csv, 2, "# program,again")),
                       ":2: expected '# program' once"));
  EXPECT_TRUE(Contains(refusal("c.csv", with_line(csv, 5,
                                                  "# actuator,roller.position,position,"
                                                  "mm,roller,0,600")),
                       ":5: expected each actuator once"));
  EXPECT_TRUE(Contains(refusal("d.csv", "# program,p\n# chair,c\n# end_ms,1\n"),
                       ":4: expected the column header"));
}

TEST_F(TraceIo, HostileJsonIsRefusedWithoutACrash) {
  const std::string jsonl = jsonl_of(small_trace());
  // Built by appending: g++ 12 warns falsely (-Warray-bounds) of string(n, c) + "1" when inlined.
  std::string deep(100000, '[');
  deep += '1';
  EXPECT_TRUE(Contains(refusal("deep.jsonl", with_line(jsonl, 3, deep)),
                       ":3: expected at most 4 levels of nesting"));
  EXPECT_TRUE(Contains(refusal("twice.jsonl", with_line(jsonl, 3,
                                                        R"({"chair_ms":0,"chair_ms":1,)"
                                                        R"("actuator":"roller.position",)"
                                                        R"("commanded":0,"measured":0})")),
                       ":3: expected the key 'chair_ms' once"));
  EXPECT_TRUE(Contains(refusal("extra.jsonl", with_line(jsonl, 3,
                                                        R"({"chair_ms":0,"actuator":"heat.back",)"
                                                        R"("commanded":0,"measured":0,"x":1})")),
                       ":3: expected no key 'x'"));
  EXPECT_TRUE(Contains(refusal("lone.jsonl", with_line(jsonl, 2,
                                                       R"({"chair_ms":0,"event":"trip",)"
                                                       R"("text":"\ud800"})")),
                       ":2: expected a low surrogate"));
}

TEST_F(TraceIo, APrefixOfAFileIsReadOrRefusedWithoutACrash) {
  for (const std::string name : {"p.csv", "p.jsonl"}) {
    const std::string text = name == "p.csv" ? csv_of(small_trace()) : jsonl_of(small_trace());
    // Every line cut at its end, one byte short of it, and half-way.
    std::vector<std::size_t> cuts = {0};
    for (std::size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
         start = end + 1) {
      cuts.insert(cuts.end(), {start + (end - start) / 2, end, end + 1});
    }
    for (const std::size_t n : cuts) {
      const std::string path = file(name, text.substr(0, n));
      const auto read = read_trace(path);
      // A prefix that ends on a line boundary is a shorter trace; any other is cut mid-line.
      const bool whole_lines = n > 0 && text[n - 1] == '\n';
      if (!read) {
        EXPECT_EQ(read.error().rfind(path + ":", 0), 0u) << read.error();
      } else {
        EXPECT_TRUE(whole_lines) << name << " cut at " << n << " was read";
      }
    }
  }
}

TEST_F(TraceIo, OtherExtensionsMissingAndOversizedFilesAreRefused) {
  EXPECT_TRUE(Contains(refusal("t.txt", csv_of(small_trace())), "expected a trace named *.csv"));
  EXPECT_TRUE(Contains(refusal("t.json", jsonl_of(small_trace())), "expected a trace named"));
  const auto missing = read_trace(dir_ + "/missing.csv");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(Contains(missing.error(), "missing.csv: expected a regular file"));

  // Sparse: the size is refused before a byte is read.
  const std::string big = file("big.csv", "");
  std::filesystem::resize_file(big, kMaxTraceFileBytes + 1);
  const auto oversized = read_trace(big);
  ASSERT_FALSE(oversized);
  EXPECT_TRUE(Contains(oversized.error(), "expected at most 512 MiB")) << oversized.error();
  std::filesystem::remove(big);
}

}  // namespace
}  // namespace chaird::sim
