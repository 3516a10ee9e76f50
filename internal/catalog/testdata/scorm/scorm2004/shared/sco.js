// A test SCO for SCORM 1.2 (and, with API_1484_11, 2004): it finds the
// run-time API in a parent window, initialises, shows what it resumes
// from, and lets a test step, suspend, complete or send a bad value.
(function () {
  'use strict';
  function find(name) {
    var w = window;
    for (var i = 0; i < 10 && w; i++) {
      try {
        if (w[name]) {
          return w[name];
        }
      } catch (e) {
        return null;
      }
      if (w.parent === w) {
        break;
      }
      w = w.parent;
    }
    return null;
  }
  var v2004 = !!find('API_1484_11');
  var api = v2004 ? find('API_1484_11') : find('API');
  var out = function (id, v) { document.getElementById(id).textContent = v; };
  if (!api) {
    out('result', 'no API');
    return;
  }
  var get = v2004 ? function (k) { return api.GetValue(k); } : function (k) { return api.LMSGetValue(k); };
  var set = v2004 ? function (k, v) { return api.SetValue(k, v); } : function (k, v) { return api.LMSSetValue(k, v); };
  var commit = v2004 ? function () { return api.Commit(''); } : function () { return api.LMSCommit(''); };
  var finish = v2004 ? function () { return api.Terminate(''); } : function () { return api.LMSFinish(''); };
  var lastError = v2004 ? function () { return api.GetLastError(); } : function () { return api.LMSGetLastError(); };
  var K = v2004
    ? { entry: 'cmi.entry', loc: 'cmi.location', exit: 'cmi.exit', time: 'cmi.session_time' }
    : { entry: 'cmi.core.entry', loc: 'cmi.core.lesson_location', exit: 'cmi.core.exit', time: 'cmi.core.session_time' };
  var ok = v2004 ? api.Initialize('') : api.LMSInitialize('');
  out('entry', get(K.entry));
  var suspend = get('cmi.suspend_data');
  out('suspend', suspend);
  out('location', get(K.loc));
  var steps = 0;
  var m = /steps=(\d+)/.exec(suspend || '');
  if (m) {
    steps = parseInt(m[1], 10);
  }
  out('result', 'initialised ' + ok);
  document.getElementById('step').addEventListener('click', function () {
    steps++;
    set('cmi.suspend_data', 'steps=' + steps);
    set(K.loc, 'page-' + steps);
    if (v2004) {
      set('cmi.completion_status', 'incomplete');
    } else {
      set('cmi.core.lesson_status', 'incomplete');
    }
    out('result', 'step ' + steps + ' commit ' + commit());
  });
  document.getElementById('leave').addEventListener('click', function () {
    set(K.exit, 'suspend');
    set(K.time, v2004 ? 'PT1M30S' : '0000:01:30.00');
    commit();
    out('result', 'left ' + finish());
  });
  document.getElementById('complete').addEventListener('click', function () {
    if (v2004) {
      set('cmi.score.scaled', '0.9');
      set('cmi.score.raw', '90');
      set('cmi.completion_status', 'completed');
      set('cmi.success_status', 'passed');
      set('cmi.interactions.0.id', 'q1');
      set('cmi.interactions.0.type', 'true-false');
      set('cmi.interactions.0.learner_response', 'true');
      set('cmi.interactions.0.result', 'correct');
    } else {
      set('cmi.core.score.raw', '90');
      set('cmi.core.lesson_status', 'passed');
    }
    set(K.exit, v2004 ? 'normal' : '');
    set(K.time, v2004 ? 'PT2M' : '0000:02:00.00');
    commit();
    out('result', 'completed ' + finish());
  });
  document.getElementById('bad').addEventListener('click', function () {
    var r = v2004 ? set('cmi.completion_status', 'done-ish') : set('cmi.core.lesson_status', 'done-ish');
    out('result', 'bad ' + r + ' error ' + lastError());
  });
})();
