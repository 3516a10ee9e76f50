// A minimal cmi5 AU for Takumi's tests (issue 17): the cmi5 launch
// handshake by hand with fetch(): read the launch parameters, POST the
// fetch URL for the auth token, read LMS.LaunchData, send "initialized";
// the button sends "completed", "passed" (score above masteryScore) and
// "terminated", with the session id and the cmi5 category.
(function () {
  'use strict';
  var q = new URLSearchParams(location.search);
  var endpoint = q.get('endpoint'), fetchURL = q.get('fetch'), registration = q.get('registration');
  var activityId = q.get('activityId'), actor = JSON.parse(q.get('actor'));
  var auth = '', launchData = null, started = Date.now();
  var $ = function (id) { return document.getElementById(id); };
  function headers() {
    return { 'Authorization': 'Basic ' + auth, 'X-Experience-API-Version': '1.0.3', 'Content-Type': 'application/json' };
  }
  function uuid() {
    return ([1e7] + -1e3 + -4e3 + -8e3 + -1e11).replace(/[018]/g, function (c) {
      return (c ^ crypto.getRandomValues(new Uint8Array(1))[0] & 15 >> c / 4).toString(16);
    });
  }
  function statement(verb, display, result) {
    var ctx = JSON.parse(JSON.stringify(launchData.contextTemplate));
    ctx.registration = registration;
    ctx.contextActivities = ctx.contextActivities || {};
    ctx.contextActivities.category = [{ id: 'https://w3id.org/xapi/cmi5/context/categories/cmi5' }];
    if (verb === 'passed') {
      ctx.contextActivities.category.push({ id: 'https://w3id.org/xapi/cmi5/context/categories/moveon' });
    }
    var st = { id: uuid(), actor: actor, verb: { id: 'http://adlnet.gov/expapi/verbs/' + verb, display: { 'en-US': display } },
      object: { id: activityId, objectType: 'Activity' }, context: ctx, timestamp: new Date().toISOString() };
    if (result) { st.result = result; }
    return st;
  }
  function send(st) {
    return fetch(endpoint + 'statements', { method: 'POST', headers: headers(), body: JSON.stringify(st) }).then(function (r) {
      if (!r.ok) { return r.text().then(function (t) { throw new Error(st.verb.id + ': ' + r.status + ' ' + t); }); }
      return r.json();
    });
  }
  function fail(e) { $('state').textContent = 'error: ' + e.message; }
  fetch(fetchURL, { method: 'POST' }).then(function (r) { return r.json(); }).then(function (j) {
    if (!j['auth-token']) { throw new Error('fetch: ' + JSON.stringify(j)); }
    auth = j['auth-token'];
    var p = new URLSearchParams({ activityId: activityId, agent: JSON.stringify(actor), registration: registration, stateId: 'LMS.LaunchData' });
    return fetch(endpoint + 'activities/state?' + p.toString(), { headers: headers() });
  }).then(function (r) {
    if (!r.ok) { throw new Error('LMS.LaunchData: ' + r.status); }
    return r.json();
  }).then(function (ld) {
    launchData = ld;
    $('launch-mode').textContent = ld.launchMode;
    $('move-on').textContent = ld.moveOn;
    return send(statement('initialized', 'initialized'));
  }).then(function () {
    $('state').textContent = 'initialized';
    $('finish').disabled = false;
  }).catch(fail);
  $('finish').addEventListener('click', function () {
    $('finish').disabled = true;
    var secs = Math.max(1, Math.round((Date.now() - started) / 1000));
    var duration = 'PT' + secs + 'S';
    send(statement('completed', 'completed', { completion: true, duration: duration })).then(function () {
      return send(statement('passed', 'passed', { success: true, score: { scaled: 0.9 }, duration: duration }));
    }).then(function () {
      return send(statement('terminated', 'terminated', { duration: duration }));
    }).then(function () {
      $('state').textContent = 'terminated';
    }).catch(fail);
  });
}());
