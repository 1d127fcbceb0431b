#!/usr/bin/env python3
"""A minimal kiosk front-end for chaird: the flow a kiosk or app goes through, in plain Python.

    kiosk.py programs [--answer CONDITION]     what this chair offers (that suits the sitter)
    kiosk.py questions                         the health questions to ask the sitter
    kiosk.py run PROGRAM [--answer CONDITION] [--user ID]
                                               start it, show progress, stop on Ctrl-C; a
                                               signed-in sitter's session joins their history
    kiosk.py history USER                      the sitter's sessions and how they felt
    kiosk.py feedback SESSION --user USER --before N --after N [--too-strong ZONE]
    kiosk.py visit PROGRAM --user USER [--answer CONDITION]
                                               a whole visit, scripted: sign in, screen, start,
                                               softer, "too strong here", pause, resume, stop,
                                               and the sitter's history

It talks to chaird over its Unix socket with gRPC local credentials, using stubs generated from
protos/chair/v1 (see README.md). When chaird has a tokens file, the kiosk signs in with its
bearer token (--token-file, or $CHAIRD_TOKEN): every call carries it (docs/security.md). Every refusal is shown from its structured details
(chair.v1.ErrorStatus, docs/api.md "Errors"): the sentence for the sitter, and for staff the
fields that were wrong and what blocked the call.
"""
import argparse
import os
import queue
import signal
import sys
import threading
import uuid


def load_stubs(stubs_dir):
    if stubs_dir:
        sys.path.insert(0, stubs_dir)
    from chair.v1 import control_pb2, control_pb2_grpc, errors_pb2, sitter_pb2  # noqa: E402
    return control_pb2, control_pb2_grpc, errors_pb2, sitter_pb2


def default_socket():
    if os.geteuid() == 0:
        return "/run/chaird/chaird.sock"
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return f"{runtime}/chaird.sock" if runtime else f"/tmp/chaird-{os.geteuid()}.sock"


def mmss(ms):
    s = max(0, (ms + 500) // 1000)
    return f"{s // 60:02d}:{s % 60:02d}"


class Kiosk:
    def __init__(self, socket_path, stubs_dir, token=None):
        import grpc

        self.grpc = grpc
        self.pb, pb_grpc, self.errors, self.sitter = load_stubs(stubs_dir)
        # chaird accepts only local connections; on a Unix socket that is UDS local credentials.
        credentials = grpc.local_channel_credentials(grpc.LocalConnectionType.UDS)
        if token:
            # "authorization: Bearer <token>" on every call.
            credentials = grpc.composite_channel_credentials(
                credentials, grpc.access_token_call_credentials(token))
        self.channel = grpc.secure_channel(f"unix://{socket_path}", credentials)
        self.chair = pb_grpc.ChairControlStub(self.channel)

    def explain(self, error):
        """The refusal's structured details, as a kiosk shows them."""
        details = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
        if not details:
            return [error.details()]
        status = self.errors.ErrorStatus.FromString(details)
        lines = []
        for any_detail in status.details:
            bad = self.errors.BadRequest()
            blocked = self.errors.PreconditionFailure()
            sitter = self.errors.LocalizedMessage()
            if any_detail.Unpack(sitter):
                lines.insert(0, sitter.message)
            elif any_detail.Unpack(bad):
                lines += [f"  (staff) {v.field}: {v.description}" for v in bad.field_violations]
            elif any_detail.Unpack(blocked):
                lines += [f"  (staff) {v.type} {v.subject}" for v in blocked.violations]
        return lines

    def programs(self, answers):
        listed = self.chair.ListPrograms(self.pb.ListProgramsRequest(health_conditions=answers),
                                         timeout=10)
        for p in listed.programs:
            m = p.metadata
            print(f"{m.id:<24} {mmss(p.planned_duration_ms):>5}  {m.name}: {m.summary}")
            if m.contraindications:
                print(f"{'':<31}not for: {', '.join(m.contraindications)}")
        if listed.unsuitable_count:
            print(f"({listed.unsuitable_count} more are not suitable for you)")

    def questions(self):
        for q in self.chair.ListHealthConditions(self.pb.ListHealthConditionsRequest(), timeout=10).questions:
            print(f"[{q.condition}] {q.question}")

    def profile(self, user):
        """The signed-in sitter's profile, or None for someone without one."""
        try:
            return self.chair.GetUserProfile(self.pb.GetUserProfileRequest(user_id=user),
                                             timeout=10)
        except self.grpc.RpcError as e:
            if e.code() == self.grpc.StatusCode.NOT_FOUND:
                return None
            raise

    def history(self, user):
        listed = self.chair.ListSessionHistory(self.pb.ListSessionHistoryRequest(user_id=user),
                                               timeout=10)
        for s in listed.sessions:
            f = s.feedback
            felt = ""
            if f.HasField("discomfort_before") or f.HasField("discomfort_after"):
                felt = f"  discomfort {f.discomfort_before} -> {f.discomfort_after}"
            print(f"{s.session_id:<18} {s.program_name:<28} {mmss(s.elapsed_ms)} of "
                  f"{mmss(s.planned_duration_ms)}  {s.how_it_ended or 'no end noted'}{felt}")
        if not listed.sessions:
            print(f"No sessions yet for {user}.")
        # For staff: sessions another program's hold on chaird's database keeps back.
        if listed.history_note:
            print(f"(staff) {listed.history_note}")

    def feedback(self, session, user, before, after, too_strong):
        feedback = self.sitter.SessionFeedback(too_strong_zones=too_strong)
        if before is not None:
            feedback.discomfort_before = before
        if after is not None:
            feedback.discomfort_after = after
        try:
            self.chair.RecordSessionFeedback(self.pb.RecordSessionFeedbackRequest(
                session_id=session, user_id=user, feedback=feedback), timeout=10)
        except self.grpc.RpcError as e:
            for line in self.explain(e):
                print(line)
            return 1
        print("Thank you for your feedback.")
        return 0

    def run(self, program, answers, intensity, user=None):
        if user:
            # A signed-in sitter: their preferred strength, and the conditions they asked us to
            # remember (a real kiosk asks "still true?" before using them).
            profile = self.profile(user)
            if profile is not None:
                print(f"Welcome back, {profile.display_name or user}.")
                if intensity is None and profile.HasField("preferred_intensity_scale"):
                    intensity = profile.preferred_intensity_scale
                answers = list(answers) + [c for c in profile.remembered_conditions
                                           if c not in answers]
        # A request id of its own: a retry after a timeout gets this start's answer instead of
        # starting a second session (docs/api.md, "Retrying a start").
        request = self.pb.StartSessionRequest(program_id=program, health_conditions=answers,
                                              client_name="kiosk.py", request_id=str(uuid.uuid4()),
                                              user_id=user or "")
        if intensity is not None:  # left out, the program runs as written
            request.intensity_scale = intensity
        try:
            started = self.chair.StartSession(request, timeout=30)
        except self.grpc.RpcError as e:
            print("Sorry, this program cannot start.")
            for line in self.explain(e):
                print(line)
            return 1
        print(f"Starting {program} ({mmss(started.planned_duration_ms)}), "
              f"session {started.session_id}.")
        for note in started.adaptations:
            print(f"  adjusted: {note}")
        # For staff, when the session is not (or not yet) in the sitter's history: it runs anyway.
        if started.history_note:
            print(f"(staff) history: this session {started.history_note}")

        # Ctrl-C is the sitter asking to stop: a normal stop with its short cool-down. (A kiosk's
        # big red button would call EmergencyStop instead.)
        def stop(_signum, _frame):
            print("Stopping...")
            self.chair.StopSession(self.pb.StopSessionRequest(), timeout=10)

        signal.signal(signal.SIGINT, stop)
        last_steps = None
        final = None
        # The open stream, with the session's lease token, tells chaird this kiosk is still
        # there: if the kiosk dies, the session stops within the lease (docs/api.md).
        watch = self.pb.WatchSessionRequest(session_id=started.session_id,
                                            lease_token=started.lease_token)
        for status in self.chair.WatchSession(watch):
            steps = ", ".join(f"{a.technique} on {a.zone}" for a in status.active_steps)
            if steps != last_steps:
                print(f"[{mmss(status.elapsed_ms)} / {mmss(status.total_ms)}] {steps or '...'}")
                last_steps = steps
            final = status
        state = self.pb.SessionState.Name(final.state) if final else "UNKNOWN"
        print(f"Session {state.lower()}: {final.reason if final else ''}")
        return 0 if state in ("COMPLETED", "STOPPED") else 3


    def visit(self, program, answers, user):
        """A whole visit as a kiosk makes it, each step printed: what a kiosk's screens call."""
        profile = self.profile(user)
        print(f"Signed in: {profile.display_name if profile else user}.")
        if profile is not None:
            answers = list(answers) + [c for c in profile.remembered_conditions if c not in answers]
        offered = self.chair.ListPrograms(self.pb.ListProgramsRequest(health_conditions=answers),
                                          timeout=10)
        if program not in [p.metadata.id for p in offered.programs]:
            print(f"{program} is not offered for these answers: {', '.join(answers) or 'none'}.")
            return 1
        print(f"Screened: {program} suits the sitter ({len(offered.programs)} programs offered).")
        started = self.chair.StartSession(self.pb.StartSessionRequest(
            program_id=program, health_conditions=answers, client_name="kiosk.py visit",
            request_id=str(uuid.uuid4()), user_id=user), timeout=30)
        print(f"Started {started.session_id}.")
        if started.history_note:
            print(f"(staff) history: this session {started.history_note}")
        # The lease-holding stream runs beside the calls, as a kiosk's status screen does.
        states = queue.Queue()
        watch = self.chair.WatchSession(self.pb.WatchSessionRequest(
            session_id=started.session_id, lease_token=started.lease_token))

        def follow():
            try:
                for status in watch:
                    states.put(self.pb.SessionState.Name(status.state))
            except self.grpc.RpcError:
                pass
            states.put(None)

        threading.Thread(target=follow, daemon=True).start()

        def until(wanted):
            while True:
                state = states.get(timeout=60)  # queue.Empty when the chair says nothing
                if state is None:
                    raise RuntimeError(f"the status stream ended before {wanted}")
                if state == wanted:
                    return state

        lease = started.lease_token
        try:
            until("RUNNING")
            softer = self.chair.AdjustSession(self.pb.AdjustSessionRequest(
                lease_token=lease, intensity_scale=0.8), timeout=30)
            print(f"Softer: intensity {softer.intensity_scale:.2f} from "
                  f"{mmss(softer.effective_from_ms)}.")
            if softer.history_note:
                print(f"(staff) history: this change {softer.history_note}")
            here = self.chair.AdjustSession(self.pb.AdjustSessionRequest(
                lease_token=lease, too_strong_here=True), timeout=30)
            zones = ", ".join(f"{z.zone} x{z.factor:.2f}" for z in here.softened_zones)
            print(f"Too strong here: softened {zones or 'nothing at work now'}.")
            paused = self.chair.PauseSession(self.pb.PauseSessionRequest(), timeout=30)
            until("PAUSED")
            print(f"Paused (for at most {mmss(paused.max_pause_ms)}).")
            resumed = self.chair.ResumeSession(self.pb.ResumeSessionRequest(lease_token=lease),
                                               timeout=30)
            until("RUNNING")
            print(f"Resumed: {mmss(resumed.remaining_ms)} left, "
                  f"{resumed.lead_in_ms} ms to ease back in.")
            self.chair.StopSession(self.pb.StopSessionRequest(), timeout=30)
            print(f"Stopped: {until('STOPPED')}.")
        except (self.grpc.RpcError, RuntimeError, queue.Empty) as e:
            print("The visit was cut short.")
            for line in (self.explain(e) if isinstance(e, self.grpc.RpcError) else [str(e)]):
                print(line)
            return 1
        finally:
            # Whatever happened, the chair does not go on without the kiosk (a stop of a session
            # that ended already is refused, harmlessly).
            try:
                self.chair.StopSession(self.pb.StopSessionRequest(), timeout=10)
            except self.grpc.RpcError:
                pass
            watch.cancel()
        print("History:")
        self.history(user)
        return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", default=default_socket(), help="chaird's Unix socket")
    parser.add_argument("--stubs", default=os.environ.get("CHAIRD_PYTHON_STUBS"),
                        help="directory holding the generated chair/v1 Python stubs")
    parser.add_argument("--token-file", default=None,
                        help="the kiosk's bearer token, first line (default: $CHAIRD_TOKEN)")
    commands = parser.add_subparsers(dest="command", required=True)
    programs = commands.add_parser("programs")
    programs.add_argument("--answer", action="append", default=[],
                          help="a condition the sitter reported")
    commands.add_parser("questions")
    run = commands.add_parser("run")
    run.add_argument("program")
    run.add_argument("--answer", action="append", default=[], help="a condition the sitter reported")
    run.add_argument("--intensity", type=float, default=None,
                     help="0.2..1.5 (left out: as written, or the signed-in sitter's preference)")
    run.add_argument("--user", default=None, help="the signed-in sitter's user id")
    history = commands.add_parser("history")
    history.add_argument("user")
    feedback = commands.add_parser("feedback")
    feedback.add_argument("session")
    feedback.add_argument("--user", default="")
    feedback.add_argument("--before", type=int, default=None, help="discomfort before, 0..10")
    feedback.add_argument("--after", type=int, default=None, help="discomfort after, 0..10")
    feedback.add_argument("--too-strong", action="append", default=[], help="a body zone")
    visit = commands.add_parser("visit")
    visit.add_argument("program")
    visit.add_argument("--user", required=True, help="the signed-in sitter's user id")
    visit.add_argument("--answer", action="append", default=[], help="a condition the sitter reported")
    args = parser.parse_args()

    token = os.environ.get("CHAIRD_TOKEN")
    if args.token_file:
        with open(args.token_file, encoding="utf-8") as f:
            token = f.readline().strip()
    kiosk = Kiosk(args.socket, args.stubs, token)
    try:
        if args.command == "programs":
            kiosk.programs(args.answer)
            return 0
        if args.command == "questions":
            kiosk.questions()
            return 0
        if args.command == "history":
            kiosk.history(args.user)
            return 0
        if args.command == "feedback":
            return kiosk.feedback(args.session, args.user, args.before, args.after,
                                  args.too_strong)
        if args.command == "visit":
            return kiosk.visit(args.program, args.answer, args.user)
        return kiosk.run(args.program, args.answer, args.intensity, args.user)
    except kiosk.grpc.RpcError as e:
        print(f"chaird is not available: {e.details()}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
