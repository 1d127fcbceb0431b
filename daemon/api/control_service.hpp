// ChairControl over gRPC. Handlers never block a gRPC thread: planning (plugin calls) runs on
// the planning pool, session changes are posted to the dispatch thread, and each call is
// finished from wherever its work completes.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "access_control.hpp"
#include "common/shared_snapshot.hpp"
#include "composed_sessions.hpp"
#include "library/live_library.hpp"
#include "library/manual_program.hpp"
#include "library/sitter_screening.hpp"
#include "session/session_manager.hpp"
#include "session/start_hold.hpp"
#include "session/status_hub.hpp"
#include "session_history_recorder.hpp"
#include "start_request_ids.hpp"
#include "store/stores.hpp"
#include "watch_reactor.hpp"
#include "wire/chair_services.hpp"

namespace chaird::api {

struct ControlDependencies {
  boost::asio::io_context& dispatch;   // the session manager's thread
  boost::asio::thread_pool& planning;  // plans off the gRPC threads
  SessionManager& sessions;
  StatusHub& hub;
  LiveLibrary& library;       // shipped and custom programs
  ProgramCheckContext check;  // chair, techniques, governor, budget, the live library's resolver
  // chaird's database, and the thread that reads and writes it (never a gRPC thread, never
  // the dispatch thread).
  store::Stores& stores;
  boost::asio::thread_pool& records;
  SessionHistoryRecorder& history;
  // Who may make which call (access_control.hpp).
  const AccessControl& access;
  // The bench's hook that holds starts once planned (tests); null when there is none.
  StartHold* start_hold = nullptr;
  // WatchSession streams served at once, besides the controlling app's.
  int max_watch_streams = 100;
  // The contraindication rules, or why there are none: then every session is refused.
  std::shared_ptr<const LoadedRules> rules = std::make_shared<const LoadedRules>();  // none
};

class ControlService final : public chair::v1::ChairControl::CallbackService {
 public:
  explicit ControlService(ControlDependencies deps);

  grpc::ServerUnaryReactor* GetChair(grpc::CallbackServerContext* context,
                                     const chair::v1::GetChairRequest* request,
                                     chair::v1::GetChairResponse* response) override;
  grpc::ServerUnaryReactor* GetProgram(grpc::CallbackServerContext* context,
                                       const chair::v1::GetProgramRequest* request,
                                       chair::v1::GetProgramResponse* response) override;
  grpc::ServerUnaryReactor* ValidateProgram(grpc::CallbackServerContext* context,
                                            const chair::v1::ValidateProgramRequest* request,
                                            chair::v1::ValidateProgramResponse* response) override;
  grpc::ServerUnaryReactor* PreviewSession(grpc::CallbackServerContext* context,
                                           const chair::v1::StartSessionRequest* request,
                                           chair::v1::PreviewSessionResponse* response) override;
  grpc::ServerUnaryReactor* ResetFault(grpc::CallbackServerContext* context,
                                       const chair::v1::ResetFaultRequest* request,
                                       chair::v1::ResetFaultResponse* response) override;
  grpc::ServerUnaryReactor* ListPrograms(grpc::CallbackServerContext* context,
                                         const chair::v1::ListProgramsRequest* request,
                                         chair::v1::ListProgramsResponse* response) override;
  grpc::ServerUnaryReactor* ListTechniques(grpc::CallbackServerContext* context,
                                           const chair::v1::ListTechniquesRequest* request,
                                           chair::v1::ListTechniquesResponse* response) override;
  grpc::ServerUnaryReactor* ListHealthConditions(
      grpc::CallbackServerContext* context, const chair::v1::ListHealthConditionsRequest* request,
      chair::v1::ListHealthConditionsResponse* response) override;
  grpc::ServerUnaryReactor* StartSession(grpc::CallbackServerContext* context,
                                         const chair::v1::StartSessionRequest* request,
                                         chair::v1::StartSessionResponse* response) override;
  grpc::ServerUnaryReactor* StopSession(grpc::CallbackServerContext* context,
                                        const chair::v1::StopSessionRequest* request,
                                        chair::v1::StopSessionResponse* response) override;
  grpc::ServerUnaryReactor* PauseSession(grpc::CallbackServerContext* context,
                                         const chair::v1::PauseSessionRequest* request,
                                         chair::v1::PauseSessionResponse* response) override;
  grpc::ServerUnaryReactor* ResumeSession(grpc::CallbackServerContext* context,
                                          const chair::v1::ResumeSessionRequest* request,
                                          chair::v1::ResumeSessionResponse* response) override;
  grpc::ServerUnaryReactor* KeepAlive(grpc::CallbackServerContext* context,
                                      const chair::v1::KeepAliveRequest* request,
                                      chair::v1::KeepAliveResponse* response) override;
  grpc::ServerUnaryReactor* TakeOverSession(grpc::CallbackServerContext* context,
                                            const chair::v1::TakeOverSessionRequest* request,
                                            chair::v1::TakeOverSessionResponse* response) override;
  grpc::ServerUnaryReactor* EmergencyStop(grpc::CallbackServerContext* context,
                                          const chair::v1::EmergencyStopRequest* request,
                                          chair::v1::EmergencyStopResponse* response) override;
  grpc::ServerUnaryReactor* ResetSafety(grpc::CallbackServerContext* context,
                                        const chair::v1::ResetSafetyRequest* request,
                                        chair::v1::ResetSafetyResponse* response) override;
  grpc::ServerWriteReactor<chair::v1::SessionStatus>* WatchSession(
      grpc::CallbackServerContext* context, const chair::v1::WatchSessionRequest* request) override;
  grpc::ServerWriteReactor<chair::v1::SessionStatus>* WatchTelemetry(
      grpc::CallbackServerContext* context,
      const chair::v1::WatchTelemetryRequest* request) override;

  // Live changes to the running session (control_service_adjust.cpp).
  grpc::ServerUnaryReactor* AdjustSession(grpc::CallbackServerContext* context,
                                          const chair::v1::AdjustSessionRequest* request,
                                          chair::v1::AdjustSessionResponse* response) override;

  // A session composed for one sitter (control_service_compose.cpp).
  grpc::ServerUnaryReactor* ComposeSession(grpc::CallbackServerContext* context,
                                           const chair::v1::ComposeSessionRequest* request,
                                           chair::v1::ComposeSessionResponse* response) override;

  // Custom programs (control_service_programs.cpp).
  grpc::ServerUnaryReactor* SaveProgram(grpc::CallbackServerContext* context,
                                        const chair::v1::SaveProgramRequest* request,
                                        chair::v1::SaveProgramResponse* response) override;
  grpc::ServerUnaryReactor* DeleteProgram(grpc::CallbackServerContext* context,
                                          const chair::v1::DeleteProgramRequest* request,
                                          chair::v1::DeleteProgramResponse* response) override;

  // Sitters: profiles, history, feedback (control_service_sitters.cpp).
  grpc::ServerUnaryReactor* GetUserProfile(grpc::CallbackServerContext* context,
                                           const chair::v1::GetUserProfileRequest* request,
                                           chair::v1::UserProfile* response) override;
  grpc::ServerUnaryReactor* SaveUserProfile(grpc::CallbackServerContext* context,
                                            const chair::v1::UserProfile* request,
                                            chair::v1::UserProfile* response) override;
  grpc::ServerUnaryReactor* DeleteUserProfile(
      grpc::CallbackServerContext* context, const chair::v1::DeleteUserProfileRequest* request,
      chair::v1::DeleteUserProfileResponse* response) override;
  grpc::ServerUnaryReactor* ListSessionHistory(
      grpc::CallbackServerContext* context, const chair::v1::ListSessionHistoryRequest* request,
      chair::v1::ListSessionHistoryResponse* response) override;
  grpc::ServerUnaryReactor* ExportSessionHistory(
      grpc::CallbackServerContext* context, const chair::v1::ListSessionHistoryRequest* request,
      chair::v1::ExportSessionHistoryResponse* response) override;
  grpc::ServerUnaryReactor* RecordSessionFeedback(
      grpc::CallbackServerContext* context, const chair::v1::RecordSessionFeedbackRequest* request,
      chair::v1::RecordSessionFeedbackResponse* response) override;

 private:
  // The refusal of a call to ChairControl's method call (its short name) by this caller, or of
  // a request that could not be read whole (INVALID_ARGUMENT naming the fields), or nothing:
  // every handler asks before it reads its request. A stop and an emergency stop are never
  // refused for what they carry: the chair stops whatever the text.
  std::optional<grpc::Status> refuse_caller(const grpc::CallbackServerContext& context,
                                            std::string_view call,
                                            const google::protobuf::Message& request) const;
  // A start request's program and plan options, once its fields are checked (INVALID_ARGUMENT
  // naming every bad field) and its program found (NOT_FOUND).
  struct StartInputs {
    LibraryEntry entry;
    // Manual mode: what the sitter chose (entry holds its one-step program).
    std::optional<ManualSettings> manual;
    PlanOptions options;
    chair::v1::SafetyLimits limits;
    std::vector<std::string> conditions;
  };
  Expected<StartInputs, Refusal> start_inputs(const chair::v1::StartSessionRequest& request) const;
  // The refusal when the sitter's answers rule the program out (CONTRAINDICATION: its own
  // contraindications, or a rule that refuses it), or when they reported anything and asked
  // for manual mode.
  std::optional<Refusal> screen_conditions(const StartInputs& inputs) const;
  // The sitter's recent feedback, as zones softened and notes for the kiosk (database thread).
  void apply_feedback(const std::string& user_id, const ProgramRef& program,
                      PlanOptions& options) const;
  // Posts job to the planning pool, after applying user_id's feedback to options on the
  // database thread when there is a user.
  template <typename Job>
  void post_after_feedback(const std::string& user_id, const ProgramRef& program,
                           std::shared_ptr<PlanOptions> options, Job job);
  // The refusal of every session while chaird has no valid contraindication rules.
  Refusal rules_missing() const;
  // The rules for these conditions and this program on this chair (null: no conditions).
  SitterRulesRef sitter_rules(const std::vector<std::string>& conditions,
                              const ProgramRef& program) const;
  // INVALID_ARGUMENT (at prefix + "technique" or "tempo_cpm") unless this chair has the
  // technique and the tempo is in its range.
  std::optional<Refusal> check_manual_technique(const ManualSettings& manual,
                                                const std::string& prefix) const;
  // A manual session's change of technique or zone: the step that plays the rest, and manual
  // updated. FAILED_PRECONDITION (SESSION_MODE) when the session runs a program.
  Expected<StepReplacement, Refusal> manual_change(std::optional<ManualSettings>& manual,
                                                   const chair::v1::ManualChange& change) const;
  // The focus areas (checked already), each once.
  static void options_focus(const chair::v1::Focus& focus, SessionScaling& scaling);
  // ResetFault and its former name.
  grpc::ServerUnaryReactor* reset(grpc::CallbackServerContext* context, std::string_view call,
                                  const google::protobuf::Message& request,
                                  std::function<void(SessionState)> answer);
  // Why a start being prepared must not begin now (a stop came first, the app gave up, its
  // deadline passed), or nothing.
  std::optional<grpc::Status> why_not_begin(grpc::CallbackServerContext* context,
                                            const StartGate::Claim& claim) const;
  // Why a call that moves the chair must not go on (its app gave up, its deadline passed):
  // "the app gave up on the <call> before it began; <outcome>".
  static std::optional<grpc::Status> why_call_gone(grpc::CallbackServerContext* context,
                                                   std::string_view call, std::string_view outcome);

  // A stream that counts against max_watch_streams, or the refusal when they are all taken.
  grpc::ServerWriteReactor<chair::v1::SessionStatus>* bounded_watch(std::string session_id,
                                                                    WatchOptions options);
  // Deletes user_id's profile, and with_history their sessions, or says why not now (records
  // thread).
  Expected<store::ForgetResult, Refusal> remove_profile(const std::string& user_id,
                                                        bool with_history);
  // The user's sessions from the database, newest first, from the request's page on: one more
  // than its limit, when there are, to tell that more follow (records thread); note: why the
  // list may not be whole, if it may not.
  Expected<std::vector<store::HistoryRow>, Refusal> read_history(
      const chair::v1::ListSessionHistoryRequest& request, std::string& note);

  ControlDependencies deps_;
  StartRequestIds start_ids_;
  // What ComposeSession made lately, for StartSession and PreviewSession to run.
  ComposedSessions composed_;
  // One composition at a time: it plans on the pool that live adjustments use, and a kiosk
  // that asks again and again must not hold up a sitter's "softer".
  std::atomic<bool> composing_{false};
  // The plan of the session started last, with the options it runs with now: what a live
  // adjustment re-plans from. Stored on the dispatch thread, read on the planning pool.
  struct SessionPlan {
    std::string session_id;
    std::shared_ptr<const Plan> plan;
    std::optional<ManualSettings> manual;  // a manual session: what works now
  };
  SharedSnapshot<const SessionPlan> session_plan_;
  // Open WatchSession streams that count against max_watch_streams, and the controlling
  // app's own (with the lease token), which are bounded apart.
  static constexpr int kMaxLeaseWatches = 4;
  std::atomic<int> open_watches_{0};
  std::atomic<int> open_lease_watches_{0};
};

}  // namespace chaird::api
