/** Campaign specs used across the end-to-end tests, valid against the schemas and the sandbox fixtures. */
export const alturPhone = {
  name: "Q2 Reactivation",
  agent_id: "agent_demo_01",
  integration_id: "integ_phone_01",
  integration_type: "phone_call",
  retries: 1,
  // The zone of the +1 202 contacts the audience tests upload: their windows stay inside calling hours (README.md, Guardrails).
  timezone: "America/New_York",
  first_message: "Hola, te llamo de parte de Acme.",
  scheduling: { mon: { startTime: "09:00", stopTime: "17:00", active: true }, tue: { startTime: "09:00", stopTime: "13:00", active: true } },
  cycles: { enabled: true, mode: "cooldown", max_iterations: 3, cooldown_minutes: 720 },
  status: "active",
};

export const puffleEmail = {
  type: "email",
  name: "Email nurture",
  sender_account_ids: ["f0000000-0000-4000-8000-000000000002"],
  daily_limit: 40,
  stop_on_reply: true,
  sequence_nodes: [
    { type: "email", subject: "Quick question", body: "Hi %first_name%, ..." },
    { type: "delay", delay_days: 2 },
    { type: "email", subject: "Re: Quick question", body: "Following up.", is_reply: true },
    { type: "end" },
  ],
  status: "draft",
};

export const extrovertTarget = {
  ownerId: "e0000000-0000-4000-8000-000000000001",
  type: "TARGET_USER",
  name: "Founders engagement",
  userStyleId: "e0000000-0000-4000-8000-000000000002",
  userContextId: "e0000000-0000-4000-8000-000000000003",
  postMaxAgeDays: 30,
  skipTeammatesLeads: true,
  isIndirectEngagementEnabled: false,
  postActivityFilter: {
    emotionTypes: [],
    monitoredTopicIds: [],
    isShowImportantTargetUsersFirstEnabled: true,
    isShowDirectPostFirstEnabled: true,
    minPostLikes: 10,
  },
  connectingSettings: {
    isSendConnectionRequestEnabled: true,
    sendConnectionRequestOnDirectCommentCount: 2,
    isSendConnectionRequestOnIndirectCommentEnabled: false,
    sendConnectionRequestOnIndirectCommentCount: 3,
    isSendConnectionRequestOnTimeoutEnabled: false,
    sendConnectionRequestOnTimeoutDays: 14,
    isSendConnectionRequestOnNoPostsEnabled: false,
  },
  dmSettings: {
    isGenerateDmEnabled: false,
    isGenerateDmOnConnectEnabled: false,
    generateDmOnConnectAfterDaysCount: 1,
    isGenerateDmOnRelevantPostEnabled: false,
    generateDmOnRelevantPostAfterDaysCount: 1,
    isGenerateDmOnTimeoutEnabled: false,
    generateDmOnTimeoutAfterDaysCount: 7,
  },
  applyCommentIntervalH: 48,
};
