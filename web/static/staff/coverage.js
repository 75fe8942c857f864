// The coverage map /coverage: the button that recomputes the page's area (POST /api/v1/coverage/runs with
// {area}), its progress polled from the run, then the page reloaded with ?recomputed=<run> to show the figures.
// Every sentence comes from the page (#vetmap-recompute-text), in its language; shown as text.
(function () {
    "use strict";
    var button = document.getElementById("vetmap-recompute");
    var status = document.getElementById("vetmap-recompute-status");
    var source = document.getElementById("vetmap-recompute-text");
    if (!button || !status || !source) { return; }
    var text = JSON.parse(source.textContent);
    var POLL_MS = 500;

    function say(sentence, isError) {
        status.textContent = sentence;
        status.classList.toggle("vetmap-error", Boolean(isError));
    }

    function refusal(response) {
        // the API's reason is in the page's language (Accept-Language) for the refusals this page can meet
        if (response.status === 401) { return Promise.resolve(text.session); }
        if (response.status === 403) { return Promise.resolve(text.refused); }
        return response.json().then(function (body) {
            return body && typeof body.detail === "string" ? body.detail : text.failed;
        }, function () { return text.failed; });
    }

    function finished(run) {
        say(text.done, false);
        var url = new URL(window.location.href);
        url.searchParams.set("recomputed", String(run.id));
        url.hash = "";
        window.location.assign(url.toString());
    }

    function poll(href) {
        fetch(href, {headers: {"Accept": "application/json", "Accept-Language": button.dataset.lang}})
            .then(function (response) {
                if (!response.ok) { return refusal(response).then(function (s) { throw new Error(s); }); }
                return response.json();
            })
            .then(function (run) {
                if (run.status === "done") { finished(run); return; }
                if (run.status === "failed") { throw new Error(text.failed); }
                var phase = text.phases[run.phase] || text.phases.queued;
                var pct = Math.round((run.progress || 0) * 100);
                say(text.progress.replace("{phase}", phase).replace("{pct}", String(pct)), false);
                window.setTimeout(function () { poll(href); }, POLL_MS);
            })
            .catch(function (error) {
                say(error && error.message ? error.message : text.network, true);
                button.disabled = false;
            });
    }

    button.addEventListener("click", function () {
        button.disabled = true;
        say(text.started, false);
        var body = button.dataset.area ? {area: button.dataset.area} : {};
        fetch(button.dataset.api, {
            method: "POST",
            credentials: "same-origin",
            headers: {
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Accept-Language": button.dataset.lang,
                "X-CSRF-Token": button.dataset.csrf
            },
            body: JSON.stringify(body)
        }).then(function (response) {
            if (!response.ok) {
                return refusal(response).then(function (sentence) {
                    say(sentence, true);
                    button.disabled = false;
                });
            }
            return response.json().then(function (run) {
                var self = (run.links || []).filter(function (l) { return l.rel === "self"; })[0];
                poll(self ? new URL(self.href, window.location.href).pathname : button.dataset.api + "/" + run.id);
            });
        }, function () {
            say(text.network, true);
            button.disabled = false;
        });
    });
}());
