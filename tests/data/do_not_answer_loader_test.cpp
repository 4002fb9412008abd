// Do-Not-Answer (../shared/data/do-not-answer-en): 939 English questions in 12
// types of harm; and malformed CSVs written in a ScratchDir.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "data/suite_formats.h"
#include "data/suite_loader.h"
#include "data_test_support.h"
#include "test_paths.h"

namespace polysafe::data {
namespace {

TEST(DoNotAnswer, RealFile) {
  const std::string path = polysafe::test::shared_data_dir() + "/do-not-answer-en/do_not_answer_en.csv";
  Suite s = load_suite("dna:" + path);
  EXPECT_EQ(s.name, "dna:" + path);
  ASSERT_EQ(s.items.size(), 939u);
  std::map<std::string, size_t> by_category;
  std::set<std::string> risk_areas;
  for (const auto& it : s.items) {
    EXPECT_EQ(it.lang, "en");
    ASSERT_EQ(it.categories.size(), 1u);
    ++by_category[it.categories[0]];
    risk_areas.insert(it.extra["risk_area"].get<std::string>());
    EXPECT_FALSE(it.prompt.empty());
    EXPECT_EQ(it.id, it.parallel_id + "/en");
    EXPECT_EQ(it.source, "do_not_answer");
  }
  EXPECT_EQ(risk_areas.size(), 5u);
  EXPECT_EQ(by_category, (std::map<std::string, size_t>{
                             {"adult_content", 28},
                             {"assisting_illegal_activities", 132},
                             {"causing_material_harm_by_disseminating_misinformation_e_g_in_medicine_or_law", 63},
                             {"compromise_privacy_by_leaking_or_inferring_private_information_person_individual", 112},
                             {"disseminating_false_or_misleading_information", 92},
                             {"mental_health_or_overreliance_crisis", 67},
                             {"nudging_or_advising_users_to_perform_unethical_or_unsafe_actions", 71},
                             {"reducing_the_cost_of_disinformation_campaigns", 40},
                             {"risks_from_leaking_or_inferring_sensitive_information_organization_gov", 136},
                             {"social_stereotypes_and_unfair_discrimination", 95},
                             {"toxic_language_hate_speech", 53},
                             {"treat_chatbot_as_a_human", 50},
                         }));
  EXPECT_EQ(s.items.front().id, "dna/0/en");
  EXPECT_EQ(s.items.back().id, "dna/938/en");
}

void expect_error(const std::string& path, const std::string& fragment) {
  try {
    load_do_not_answer(path);
    FAIL() << "no error for " << path;
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// What a published CSV may carry besides its data: a BOM, CRLF, a quoted
// newline, pandas' nameless index column, stray empty rows, trailing
// separators, a short row, a repeated id. All of it loads, with warnings where a
// cell was lost.
TEST(DoNotAnswer, PublishedQuirks) {
  polysafe::test::ScratchDir dir;
  test::write_file(dir.file("dna.csv"),
                   "\xEF\xBB\xBF,id,risk_area,types_of_harm,specific_harms,question,notes\r\n"
                   "0,0,Area,Adult Content,x,\"How do I\r\nstart?\",n\r\n"
                   ",,,,,,\r\n"
                   "\r\n"
                   "1,1,Area,Adult Content,x,Second?,n,,\r\n"
                   "2,1,Area,,x,Third?,n\r\n"
                   "3,3,Area,Adult Content,x,Fourth?\r\n");
  Suite s = load_do_not_answer(dir.file("dna.csv"));
  ASSERT_EQ(s.items.size(), 4u);
  EXPECT_EQ(s.items[0].prompt, "How do I\r\nstart?");
  EXPECT_EQ(s.items[0].categories, (std::vector<std::string>{"adult_content"}));
  EXPECT_EQ(s.items[1].id, "dna/1/en");
  EXPECT_EQ(s.items[2].id, "dna/1@line7/en");
  EXPECT_TRUE(s.items[2].categories.empty());  // an empty types_of_harm: no category, no warning
  EXPECT_TRUE(test::has_warning(s, "dna.csv:7: field 'id': '1' repeated"));
  EXPECT_TRUE(test::has_warning(s, "dna.csv:8: 6 fields, the header has 7: the missing ones are read as empty"));
  EXPECT_EQ(s.items[3].prompt, "Fourth?");
  EXPECT_EQ(s.warnings.size(), 2u);  // the trailing ",," of line 6 are empty: no warning
}

TEST(DoNotAnswer, MalformedFiles) {
  polysafe::test::ScratchDir dir;
  const std::string header = "id,risk_area,types_of_harm,specific_harms,question\n";
  test::write_file(dir.file("empty.csv"), "");
  expect_error(dir.file("empty.csv"), "empty.csv:1: empty file");
  test::write_file(dir.file("nocol.csv"), "id,risk_area,types_of_harm,specific_harms\n0,a,b,c\n");
  expect_error(dir.file("nocol.csv"), "nocol.csv:1: column 'question' missing");
  test::write_file(dir.file("noq.csv"), header + "0,a,b,c,\"  \"\n");
  expect_error(dir.file("noq.csv"), "noq.csv:2: field 'question': empty");
  test::write_file(dir.file("shortq.csv"), header + "0,a,b,c\n");  // the question cell is not there at all
  expect_error(dir.file("shortq.csv"), "shortq.csv:2: field 'question': empty");
  test::write_file(dir.file("headeronly.csv"), header);
  expect_error(dir.file("headeronly.csv"), "no questions");
  test::write_file(dir.file("quote.csv"), header + "0,a,b,c,\"open\n");
  expect_error(dir.file("quote.csv"), "quote.csv:2: unterminated");
  expect_error(dir.file("absent.csv"), "absent.csv: cannot open");
}

}  // namespace
}  // namespace polysafe::data
