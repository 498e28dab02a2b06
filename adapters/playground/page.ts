/** The playground page: one HTML document with a small script, no build step. */
export function playgroundPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aftercare playground</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:0;display:flex;height:100vh;background:#f4f5f7;color:#1d1c1d}
aside{width:260px;background:#3f0e40;color:#fff;padding:12px;box-sizing:border-box;overflow:auto}
aside label{display:block;font-size:12px;margin-top:8px}aside input,aside select{width:100%;box-sizing:border-box;padding:4px}
aside .ch{cursor:pointer;padding:4px 6px;border-radius:4px;margin:2px 0}aside .ch.active{background:#1164a3}
main{flex:1;display:flex;flex-direction:column}#title{padding:10px 16px;border-bottom:1px solid #ddd;background:#fff;font-weight:600}
#feed{flex:1;overflow:auto;padding:12px 16px}.msg{margin:8px 0}.msg .who{font-size:12px;color:#616061}.msg.eph{opacity:.85}
.msg.eph .who::after{content:' · only visible to you'}
.card{background:#fff;border-left:4px solid #888;border-radius:4px;padding:8px 12px;max-width:720px;box-shadow:0 1px 2px #0002}
.tone-danger{border-color:#e01e5a}.tone-warning{border-color:#ecb22e}.tone-success{border-color:#2eb67d}.tone-info{border-color:#1264a3}
.card-title{font-weight:700;margin-bottom:6px}.b-fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px;margin:6px 0}
.b-fields dt{font-size:11px;color:#616061}.b-fields dd{margin:0}.b-context{font-size:12px;color:#616061;margin:6px 0}
.b-actions{margin-top:6px}.btn{margin:2px 4px 2px 0;padding:4px 10px;border:1px solid #bbb;border-radius:4px;background:#fff;cursor:pointer}
.btn.primary{background:#007a5a;color:#fff;border-color:#007a5a}.btn.danger{background:#e01e5a;color:#fff;border-color:#e01e5a}
.b-form label{display:block;margin:4px 0;font-size:13px}.b-form input,.b-form textarea,.b-form select{display:block;width:100%;max-width:480px}
.b-image{max-width:480px}.plain{white-space:normal}.plain.lead{margin-bottom:4px}
form#composer{display:flex;padding:10px;border-top:1px solid #ddd;background:#fff}#input{flex:1;padding:8px;font-size:15px}
#modal{position:fixed;inset:0;background:#0006;display:none;align-items:center;justify-content:center}#modal .inner{background:#fff;padding:16px;border-radius:6px;min-width:420px}
</style></head>
<body>
<aside>
  <div style="font-weight:700;font-size:18px">aftercare</div>
  <div style="font-size:12px;opacity:.8">playground · 演练场</div>
  <label>User id<input id="user" value="alice"></label>
  <label>Display name<input id="name" value="Alice (customer)"></label>
  <label>Role<select id="role"><option>customer</option><option>engineer</option><option>manager</option><option>admin</option></select></label>
  <label>Language<select id="lang"><option value="en">English</option><option value="zh-CN">简体中文</option></select></label>
  <div style="margin-top:12px;font-size:12px;opacity:.8">Channels</div>
  <div id="channels"></div>
  <label>Other channel<input id="newch" placeholder="channel name, Enter"></label>
</aside>
<main>
  <div id="title"></div>
  <div id="feed"></div>
  <form id="composer"><input id="input" autocomplete="off" placeholder="/issue Login page returns 500 sev:S2 system:crm"><button class="btn primary">Send</button></form>
</main>
<div id="modal"><div class="inner"><div id="modalbody"></div><button class="btn" id="modalclose">Close</button></div></div>
<script>
const $=s=>document.querySelector(s);
let channels=['support-acme','engineering','escalations','management'];let channel='support-acme';let seq=0;
const shown=new Map();
function who(){return {user:$('#user').value.trim(),name:$('#name').value.trim(),role:$('#role').value,lang:$('#lang').value}}
function dm(){return 'dm-'+who().user}
function drawChannels(){const all=[...channels,dm()];$('#channels').innerHTML=all.map(c=>'<div class="ch'+(c===channel?' active':'')+'" data-ch="'+c+'">'+(c.startsWith('dm-')?'@ direct':'# '+c)+'</div>').join('');$('#title').textContent=channel.startsWith('dm-')?'Direct messages with aftercare':'# '+channel}
function switchTo(c){channel=c;seq=0;shown.clear();$('#feed').innerHTML='';drawChannels();poll()}
$('#channels').addEventListener('click',e=>{const c=e.target.closest('[data-ch]');if(c)switchTo(c.dataset.ch)});
$('#newch').addEventListener('keydown',e=>{if(e.key==='Enter'){e.preventDefault();const v=e.target.value.trim();if(v){if(!channels.includes(v))channels.push(v);e.target.value='';switchTo(v)}}});
$('#user').addEventListener('change',()=>switchTo(channel));
async function send(ev){const r=await fetch('/playground/event',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({...who(),channel,...ev})});const j=await r.json();
 if(!r.ok){alert(j.error||'error');return}
 if(j.openForm){$('#modalbody').innerHTML=j.openForm;$('#modal').style.display='flex'}
 await poll()}
$('#composer').addEventListener('submit',e=>{e.preventDefault();const t=$('#input').value.trim();if(!t)return;$('#input').value='';send({kind:'command',text:t})});
document.body.addEventListener('click',e=>{const b=e.target.closest('button[data-action]');if(!b)return;e.preventDefault();const m=b.closest('[data-id]');send({kind:'action',actionId:b.dataset.action,value:b.dataset.value,messageId:m?m.dataset.id:undefined})});
document.body.addEventListener('submit',e=>{const f=e.target.closest('form[data-form]');if(!f)return;e.preventDefault();const values={};new FormData(f).forEach((v,k)=>values[k]=String(v));const m=f.closest('[data-id]');$('#modal').style.display='none';send({kind:'submit',formId:f.dataset.form,values,messageId:m?m.dataset.id:undefined})});
$('#modalclose').onclick=()=>{$('#modal').style.display='none'};
async function poll(){const c=channel;const r=await fetch('/playground/feed?channel='+encodeURIComponent(c)+'&user='+encodeURIComponent(who().user)+'&since='+seq);if(!r.ok||c!==channel)return;const j=await r.json();
 let added=false;
 for(const m of j.messages){let el=shown.get(m.id);if(!el){el=document.createElement('div');el.className='msg'+(m.audience?' eph':'');el.dataset.id=m.id;el.dataset.pos=String(m.pos??m.seq);shown.set(m.id,el);place(el);added=true}
  el.innerHTML='<div class="who">'+(m.author==='bot'?'aftercare':m.author.replace(/</g,'&lt;'))+'</div>'+m.html}
 if(added)$('#feed').scrollTop=1e9;seq=Math.max(seq,j.seq)}
// Messages sit in first-post order: an edited card keeps its place, also after a reload.
function place(el){const feed=$('#feed');const pos=Number(el.dataset.pos);let prev=feed.lastElementChild;while(prev&&Number(prev.dataset.pos)>pos)prev=prev.previousElementSibling;feed.insertBefore(el,prev?prev.nextSibling:feed.firstChild)}
drawChannels();poll();setInterval(poll,700);
</script></body></html>`;
}
